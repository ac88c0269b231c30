using Amazon.EC2;
using Amazon.EC2.Model;
using static AmiReplicator.Ec2Simulator.Tests.Harness;

namespace AmiReplicator.Ec2Simulator.Tests;

/// <summary>Launch templates and their versions through the real client, as EC2 answers them.</summary>
public sealed class LaunchTemplateTests
{
    private static readonly Dictionary<string, string> Tracked = new() { ["amireplicator:track"] = "golden", ["team"] = "web" };

    [Fact]
    public async Task A_version_made_from_a_source_version_changes_only_the_image_and_the_default_moves_only_when_asked()
    {
        await using var h = await Harness.StartAsync();
        var client = h.Client(Source);
        var first = await h.RegisterAsync(Source);
        var second = await h.RegisterAsync(Source);
        var created = await client.CreateLaunchTemplateAsync(new CreateLaunchTemplateRequest
        {
            LaunchTemplateName = "web-servers",
            LaunchTemplateData = new RequestLaunchTemplateData { ImageId = first },
            TagSpecifications = [new TagSpecification { ResourceType = ResourceType.LaunchTemplate, Tags = [.. Tracked.Select(t => new Tag(t.Key, t.Value))] }],
        });
        var id = created.LaunchTemplate.LaunchTemplateId;
        Assert.Matches("^lt-[0-9a-f]{17}$", id);
        Assert.Equal((1L, 1L), (created.LaunchTemplate.DefaultVersionNumber, created.LaunchTemplate.LatestVersionNumber));

        CreateLaunchTemplateVersionRequest FromFirst(string image) =>
            new() { LaunchTemplateId = id, SourceVersion = "1", LaunchTemplateData = new RequestLaunchTemplateData { ImageId = image }, ClientToken = "token-1" };
        var version = await client.CreateLaunchTemplateVersionAsync(FromFirst(second));
        Assert.Equal((2L, second, false), (version.LaunchTemplateVersion.VersionNumber, version.LaunchTemplateVersion.LaunchTemplateData.ImageId,
            version.LaunchTemplateVersion.DefaultVersion));

        // The same token answers the same version; another version is another call.
        Assert.Equal(2L, (await client.CreateLaunchTemplateVersionAsync(FromFirst(second))).LaunchTemplateVersion.VersionNumber);
        await Ec2Assert.ErrorAsync("IdempotentParameterMismatch", () => client.CreateLaunchTemplateVersionAsync(FromFirst(first)));

        Assert.Equal(second, await ImageOfAsync(client, id, "$Latest"));
        Assert.Equal(first, await ImageOfAsync(client, id, "$Default"));

        var modified = await client.ModifyLaunchTemplateAsync(new ModifyLaunchTemplateRequest { LaunchTemplateId = id, DefaultVersion = "2" });
        Assert.Equal(2L, modified.LaunchTemplate.DefaultVersionNumber);
        Assert.Equal(second, await ImageOfAsync(client, id, "$Default"));
        var template = h.Simulator.DefaultAccount.LaunchTemplates(Source).Single();
        Assert.Equal((2L, second), (template.DefaultVersion, template.DefaultImageId));
        Assert.Equal([first, second], template.VersionImageIds);
        Assert.Equal(2, (await client.DescribeLaunchTemplateVersionsAsync(new DescribeLaunchTemplateVersionsRequest { LaunchTemplateId = id })).LaunchTemplateVersions.Count);
    }

    [Fact]
    public async Task Templates_are_found_by_tag_and_tag_key_and_each_account_sees_its_own()
    {
        await using var h = await Harness.StartAsync();
        var client = h.Client(Source);
        var image = await h.RegisterAsync(Source);
        var tracked = h.Simulator.CreateLaunchTemplate(Source, image, Tracked, "tracked");
        h.Simulator.CreateLaunchTemplate(Source, image, new Dictionary<string, string> { ["amireplicator:track"] = "other" }, "other-family");
        h.Simulator.CreateLaunchTemplate(Source, image, name: "untagged");
        h.Simulator.Account(OtherAccount).CreateLaunchTemplate(Source, image, Tracked, "tracked");

        var byTag = await client.DescribeLaunchTemplatesAsync(new DescribeLaunchTemplatesRequest { Filters = [new Filter("tag:amireplicator:track", ["golden"])] });
        var found = Assert.Single(byTag.LaunchTemplates);
        Assert.Equal((tracked, "tracked", "web"), (found.LaunchTemplateId, found.LaunchTemplateName, found.Tags.Single(t => t.Key == "team").Value));
        var byKey = await client.DescribeLaunchTemplatesAsync(new DescribeLaunchTemplatesRequest { Filters = [new Filter("tag-key", ["amireplicator:track"])] });
        Assert.Equal(["other-family", "tracked"], byKey.LaunchTemplates.Select(t => t.LaunchTemplateName).Order(StringComparer.Ordinal));
        var page = await client.DescribeLaunchTemplatesAsync(new DescribeLaunchTemplatesRequest { MaxResults = 2 });
        Assert.Equal(2, page.LaunchTemplates.Count);
        Assert.Single((await client.DescribeLaunchTemplatesAsync(new DescribeLaunchTemplatesRequest { MaxResults = 2, NextToken = page.NextToken })).LaunchTemplates);
        Assert.Null((await h.Client(Destination).DescribeLaunchTemplatesAsync(new DescribeLaunchTemplatesRequest())).LaunchTemplates); // none: AWSSDK v4 answers an empty list as null
    }

    [Fact]
    public async Task EC2_refuses_a_template_that_does_not_exist_a_version_that_does_not_and_a_template_whose_versions_are_used_up()
    {
        await using var h = await Harness.StartAsync();
        var client = h.Client(Source);
        var image = await h.RegisterAsync(Source);
        var id = h.Simulator.CreateLaunchTemplate(Source, image, name: "web");
        CreateLaunchTemplateVersionRequest NewVersion(string templateId, string source) =>
            new() { LaunchTemplateId = templateId, SourceVersion = source, LaunchTemplateData = new RequestLaunchTemplateData { ImageId = image } };

        await Ec2Assert.ErrorAsync("InvalidLaunchTemplateId.NotFound", () => client.CreateLaunchTemplateVersionAsync(NewVersion("lt-0123456789abcdef0", "1")));
        await Ec2Assert.ErrorAsync("InvalidLaunchTemplateId.Malformed", () => client.CreateLaunchTemplateVersionAsync(NewVersion("lt-nope", "1")));
        await Ec2Assert.ErrorAsync("InvalidLaunchTemplateId.VersionNotFound", () => client.CreateLaunchTemplateVersionAsync(NewVersion(id, "7")));
        await Ec2Assert.ErrorAsync("InvalidLaunchTemplateId.VersionNotFound",
            () => client.ModifyLaunchTemplateAsync(new ModifyLaunchTemplateRequest { LaunchTemplateId = id, DefaultVersion = "2" }));
        await Ec2Assert.ErrorAsync("InvalidLaunchTemplateName.AlreadyExistsException", () => client.CreateLaunchTemplateAsync(new CreateLaunchTemplateRequest
        {
            LaunchTemplateName = "web",
            LaunchTemplateData = new RequestLaunchTemplateData { ImageId = image },
        }));

        for (var version = 2; version <= 10_000; version++)
        {
            h.Simulator.DefaultAccount.CreateLaunchTemplateVersion(Source, id, image);
        }

        await Ec2Assert.ErrorAsync("LaunchTemplateVersionLimitExceeded", () => client.CreateLaunchTemplateVersionAsync(NewVersion(id, "$Latest")));
        Assert.Equal(10_000, h.Simulator.DefaultAccount.LaunchTemplates(Source).Single().LatestVersion);
    }

    private static async Task<string> ImageOfAsync(Amazon.EC2.AmazonEC2Client client, string id, string version) =>
        (await client.DescribeLaunchTemplateVersionsAsync(new DescribeLaunchTemplateVersionsRequest { LaunchTemplateId = id, Versions = [version] }))
        .LaunchTemplateVersions.Single().LaunchTemplateData.ImageId;
}
