using AmiReplicator.Domain.Jobs;
using AmiReplicator.LocalCloud;
using SeedImage = AmiReplicator.Ec2Simulator.SeedImage;
using SimStateReason = AmiReplicator.Ec2Simulator.StateReason;

namespace AmiReplicator.Workflows.Tests;

/// <summary>Budgets through the real handlers: a job holds its two slots from its claim to its end, and a freed slot is taken at once.</summary>
public class SlotProtocolTests
{
    private static string Seed(WorkflowHarness h, string region, string name) => h.Simulator.SeedImage(region, new SeedImage { Name = name });

    [Fact]
    public async Task A_budget_of_one_runs_the_copies_one_after_another()
    {
        await using var h = await WorkflowHarness.StartAsync("""{"destinations":[{"region":"eu-west-1","maxInFlight":1}]}""");
        var sources = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            sources.Add(Seed(h, "us-east-1", $"golden-{i}"));
        }

        foreach (var source in sources)
        {
            h.Send(LocalReplication.AvailableEvent("us-east-1", source, source));
        }

        await h.DeliverAsync();
        var inFlight = new List<int>();
        var jobs = await h.RunPollerUntilDoneAsync(eachMinute: async () =>
            inFlight.Add((await h.JobsAsync()).Count(j => j.State.HoldsSlot())));

        Assert.All(jobs, j => Assert.Equal(CopyJobState.Available, j.State));
        Assert.Equal(1, h.Simulator.PeakPendingCopies("eu-west-1"));
        Assert.Equal(1, inFlight.Max());
        var windows = jobs.Select(j => (Start: j.CopyStartedAt!.Value, End: j.CompletedAt!.Value)).OrderBy(w => w.Start).ToList();
        Assert.All(windows.Zip(windows.Skip(1)), pair => Assert.True(pair.First.End <= pair.Second.Start));
        Assert.All(await h.CountersAsync(), c => Assert.Equal(0, c.InFlight));
    }

    [Fact]
    public async Task A_waiting_job_starts_in_the_same_poller_pass_that_frees_its_slot()
    {
        await using var h = await WorkflowHarness.StartAsync("""{"destinations":[{"region":"eu-west-1","maxInFlight":1}]}""");
        var first = Seed(h, "us-east-1", "first");
        var second = Seed(h, "us-east-1", "second");
        h.Send(LocalReplication.AvailableEvent("us-east-1", first, "1"));
        await h.DeliverAsync();
        h.Send(LocalReplication.AvailableEvent("us-east-1", second, "2"));
        await h.DeliverAsync();

        var jobs = await h.RunPollerUntilDoneAsync();

        var (a, b) = (jobs.Single(j => j.Key.SourceImageId == first), jobs.Single(j => j.Key.SourceImageId == second));
        Assert.Equal(a.CompletedAt, b.CopyStartedAt);
    }

    [Fact]
    public async Task A_pair_budget_holds_back_one_source_region_but_not_another()
    {
        await using var h = await WorkflowHarness.StartAsync("""{"destinations":[{"region":"eu-west-1","maxInFlight":3,"maxInFlightPerSource":1}]}""");
        var east = new[] { Seed(h, "us-east-1", "east-1"), Seed(h, "us-east-1", "east-2") };
        var west = Seed(h, "us-west-2", "west-1");
        foreach (var id in east)
        {
            h.Send(LocalReplication.AvailableEvent("us-east-1", id, id));
        }

        h.Send(LocalReplication.AvailableEvent("us-west-2", west, west));
        await h.DeliverAsync();

        var started = (await h.JobsAsync()).Where(j => j.State.HoldsSlot()).Select(j => j.Key.SourceRegion).Order().ToList();
        Assert.Equal(["us-east-1", "us-west-2"], started);
        await h.RunPollerUntilDoneAsync();
        Assert.Equal(1, h.Simulator.PeakPendingCopies("us-east-1", "eu-west-1"));
        Assert.Equal(2, h.Simulator.PeakPendingCopies("eu-west-1"));
    }

    [Fact]
    public async Task A_copy_that_keeps_failing_is_retried_then_failed_with_its_reason_and_its_slots_released()
    {
        await using var h = await WorkflowHarness.StartAsync("""
            {"destinations":[{"region":"eu-west-1"}],"retries":{"maxAttempts":2,"backoffSeconds":60}}
            """);
        var sourceId = Seed(h, "us-east-1", "golden-al2023");
        h.Simulator.FailNextCopies("eu-west-1", 2, new SimStateReason("Client.InternalError", "snapshot copy failed"));

        h.Send(LocalReplication.AvailableEvent("us-east-1", sourceId));
        await h.DeliverAsync();
        var job = Assert.Single(await h.RunPollerUntilDoneAsync());

        Assert.Equal(CopyJobState.Failed, job.State);
        Assert.Equal(2, job.Attempt);
        Assert.Contains("snapshot copy failed", job.LastError, StringComparison.Ordinal);
        Assert.Contains("after 2 attempts", job.LastError, StringComparison.Ordinal);
        Assert.All(await h.CountersAsync(), c => Assert.Equal((0, 0), (c.InFlight, c.Holders.Count)));
    }

    [Fact]
    public async Task A_copy_that_fails_once_is_retried_and_ends_available()
    {
        await using var h = await WorkflowHarness.StartAsync("""{"destinations":[{"region":"eu-west-1"}]}""");
        var sourceId = Seed(h, "us-east-1", "golden-al2023");
        h.Simulator.FailNextCopies("eu-west-1", 1, new SimStateReason("Client.InternalError", "snapshot copy failed"));

        h.Send(LocalReplication.AvailableEvent("us-east-1", sourceId));
        await h.DeliverAsync();
        var job = Assert.Single(await h.RunPollerUntilDoneAsync());

        Assert.True(job.State == CopyJobState.Available, job.LastError);
        Assert.Equal(2, job.Attempt);
        Assert.Contains(job.Notes, n => n.Contains("attempt 1 failed", StringComparison.Ordinal));
        Assert.Single(h.Simulator.Images("eu-west-1"), i => i.State == "available");
    }
}
