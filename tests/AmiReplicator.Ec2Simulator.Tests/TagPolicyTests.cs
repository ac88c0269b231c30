using Amazon.EC2;
using Amazon.EC2.Model;
using static AmiReplicator.Ec2Simulator.Tests.Harness;

namespace AmiReplicator.Ec2Simulator.Tests;

/// <summary>An Organizations tag policy enforced on create: only tags given in CopyImage's TagSpecifications satisfy it.</summary>
public sealed class TagPolicyTests
{
    private static TagSpecification Spec(ResourceType type, string value) => new() { ResourceType = type, Tags = [new Tag("cost-center", value)] };

    [Fact]
    public async Task A_copy_must_carry_the_demanded_tags_with_an_allowed_value_on_the_image_and_its_snapshots()
    {
        await using var h = await Harness.StartAsync();
        h.Simulator.EnforceTagPolicy(Destination, new Dictionary<string, IReadOnlyList<string>?> { ["cost-center"] = ["platform", "data"] });
        var sourceId = await h.RegisterAsync(Source);

        var untagged = await Ec2Assert.ErrorAsync("TagPolicyViolation", () => h.CopyAsync(sourceId));
        await Ec2Assert.ErrorAsync("TagPolicyViolation", () => h.CopyAsync(sourceId, configure: r => r.TagSpecifications = [Spec(ResourceType.Image, "platform")]));
        var wrongValue = await Ec2Assert.ErrorAsync("TagPolicyViolation", () => h.CopyAsync(sourceId,
            configure: r => r.TagSpecifications = [Spec(ResourceType.Image, "marketing"), Spec(ResourceType.Snapshot, "marketing")]));
        var copyId = await h.CopyAsync(sourceId, configure: r => r.TagSpecifications = [Spec(ResourceType.Image, "data"), Spec(ResourceType.Snapshot, "data")]);

        Assert.Contains("'cost-center'", untagged.Message, StringComparison.Ordinal);
        Assert.Contains("does not allow the specified value", wrongValue.Message, StringComparison.Ordinal);
        Assert.Equal("data", Assert.Single((await h.DescribeAsync(Destination, copyId)).Tags).Value);
        // The source region has no policy: an untagged copy into it passes.
        await h.CopyAsync(await h.RegisterAsync(Destination), destination: Source, source: Destination);
    }
}
