using AmiReplicator.Domain.Jobs;
using AmiReplicator.LocalCloud;
using SeedImage = AmiReplicator.Ec2Simulator.SeedImage;

namespace AmiReplicator.Workflows.Tests;

/// <summary>A source asked for by hand (`amirepl replicate`): where the policy's selection would not copy it, and again after its copy went.</summary>
public class RequestsByHandTests
{
    private static string Request(string imageId) => $$"""{"sourceRegion":"us-east-1","sourceImageId":"{{imageId}}","requestedBy":"alice"}""";

    [Fact]
    public async Task A_request_by_hand_copies_to_the_destinations_asked_even_when_the_selection_would_not()
    {
        await using var h = await WorkflowHarness.StartAsync("""
            {"destinations":[{"region":"eu-west-1"},{"region":"eu-central-1"}],"selection":{"tags":{"replicate":"yes"}}}
            """);
        var sourceId = h.Simulator.SeedImage("us-east-1", new SeedImage { Name = "golden-al2023-2026.11", Tags = new Dictionary<string, string> { ["team"] = "platform" } });

        h.Send(LocalReplication.AvailableEvent("us-east-1", sourceId));
        await h.DeliverAsync();
        Assert.Empty(await h.JobsAsync());
        Assert.Contains("not selected by the policy", h.Log.ToString(), StringComparison.Ordinal);

        h.Send($$"""{"sourceRegion":"us-east-1","sourceImageId":"{{sourceId}}","destinations":["eu-central-1"],"requestedBy":"alice","reason":"backfill"}""");
        await h.DeliverAsync();
        var job = Assert.Single(await h.RunPollerUntilDoneAsync());

        Assert.Equal(("eu-central-1", CopyJobState.Available, "alice", "backfill"), (job.Key.DestinationRegion, job.State, job.RequestedBy, job.Reason));
        Assert.Empty(h.Simulator.Images("eu-west-1"));
    }

    [Fact]
    public async Task A_copy_a_person_deregistered_is_made_again_when_its_source_is_asked_for_again()
    {
        await using var h = await WorkflowHarness.StartAsync("""{"destinations":[{"region":"eu-west-1"}]}""");
        var source = h.Simulator.SeedImage("us-east-1", new SeedImage { Name = "golden-1" });
        h.Send(Request(source));
        await h.DeliverAsync();
        var first = Assert.Single(await h.RunPollerUntilDoneAsync());

        // Asked again while the copy stands: nothing new.
        h.Send(Request(source));
        await h.DeliverAsync();
        Assert.Equal(first.Version, Assert.Single(await h.JobsAsync()).Version);

        h.Simulator.DeregisterImage("eu-west-1", first.TargetImageId!);
        h.Send(Request(source));
        await h.DeliverAsync();
        var again = Assert.Single(await h.RunPollerUntilDoneAsync());

        Assert.Equal((CopyJobState.Available, 2), (again.State, again.Attempt));
        Assert.NotEqual(first.TargetImageId, again.TargetImageId);
        Assert.Contains(again.Notes, n => n.Contains($"its copy {first.TargetImageId} was deregistered", StringComparison.Ordinal));
    }
}
