using AmiReplicator.Contract;
using AmiReplicator.Domain.Jobs;
using SeedImage = AmiReplicator.Ec2Simulator.SeedImage;
using SimStateReason = AmiReplicator.Ec2Simulator.StateReason;

namespace AmiReplicator.Workflows.Tests;

/// <summary>Budgets that hold whatever EC2, people and policy changes do, and a waiting-time metric that tells the truth.</summary>
public class BudgetsAndPolicyChangesTests
{
    private static async Task<string> RequestAsync(WorkflowHarness h, string name, string region = "us-east-1")
    {
        var imageId = h.Simulator.SeedImage(region, new SeedImage { Name = name });
        h.Send($$"""{"sourceRegion":"{{region}}","sourceImageId":"{{imageId}}","requestedBy":"alice"}""");
        await h.DeliverAsync();
        h.Clock.Advance(TimeSpan.FromSeconds(1));
        return imageId;
    }

    [Fact]
    public async Task While_other_tools_hold_EC2s_limit_the_destination_backs_off_with_one_CopyImage_a_minute_and_the_wait_shows_in_full()
    {
        await using var h = await WorkflowHarness.StartAsync("""{"destinations":[{"region":"eu-west-1"},{"region":"eu-central-1"}]}""");
        var otherTools = h.Simulator.OccupyCopySlots("eu-west-1", 50);
        var start = h.Clock.GetUtcNow();
        for (var i = 0; i < 5; i++)
        {
            await RequestAsync(h, $"golden-{i}");
        }

        var startedPerPass = new List<int>();
        for (var minute = 0; minute < 30; minute++)
        {
            h.Clock.Advance(TimeSpan.FromMinutes(1));
            startedPerPass.Add((await h.RunPollerAsync()).Started);
        }

        // One probe at dispatch and at most one per minute since, not one per waiting job and pass.
        Assert.InRange(h.Simulator.CallCount("eu-west-1", "CopyImage"), 2, 1 + 30);
        Assert.All(startedPerPass, n => Assert.Equal(0, n));
        // Published every five minutes: each time, the whole wait since the jobs were asked for.
        var (age, at) = EmfLog.LastAt(h, ReplicatorMetrics.OldestWaitingJobAge.Name, "eu-west-1");
        Assert.True(h.Clock.GetUtcNow() - at < TimeSpan.FromMinutes(5));
        Assert.Equal((at - start).TotalSeconds, age);
        Assert.Equal(0, EmfLog.Last(h, ReplicatorMetrics.OldestWaitingJobAge.Name, "eu-central-1"));
        Assert.Equal(5, (await h.JobsAsync()).Count(j => j.Key.DestinationRegion == "eu-central-1" && j.State == CopyJobState.Available));

        otherTools.Dispose();
        var jobs = await h.RunPollerUntilDoneAsync();
        Assert.All(jobs, j => Assert.Equal(CopyJobState.Available, j.State));
    }

    [Fact]
    public async Task The_waiting_time_counts_from_the_current_attempt_not_from_when_the_job_was_first_made()
    {
        await using var h = await WorkflowHarness.StartAsync("""{"destinations":[{"region":"eu-west-1","maxInFlight":1}],"retries":{"maxAttempts":1}}""",
            o => o with { CopyDurationFor = c => TimeSpan.FromMinutes(c.SourceImageId == _long ? 120 : 5) });
        h.Simulator.FailNextCopies("eu-west-1", 1, new SimStateReason("Client.InternalError", "snapshot copy failed"));
        var failing = await RequestAsync(h, "golden-failing");
        Assert.Equal(CopyJobState.Failed, Assert.Single(await h.RunPollerUntilDoneAsync()).State);

        h.Clock.Advance(TimeSpan.FromHours(1));
        _long = h.Simulator.SeedImage("us-east-1", new SeedImage { Name = "golden-long" });
        // Two batches: the long copy takes the destination's one slot before the failed job is asked for again.
        h.Send($$"""{"sourceRegion":"us-east-1","sourceImageId":"{{_long}}","requestedBy":"alice"}""");
        await h.DeliverAsync();
        h.Send($$"""{"sourceRegion":"us-east-1","sourceImageId":"{{failing}}","requestedBy":"alice","reason":"retry"}""");
        await h.DeliverAsync();
        h.Clock.Advance(TimeSpan.FromMinutes(1));
        await h.RunPollerAsync();

        var retried = (await h.JobsAsync()).Single(j => j.Key.SourceImageId == failing);
        Assert.Equal((CopyJobState.Waiting, 2), (retried.State, retried.Attempt));
        Assert.Equal(60, EmfLog.Last(h, ReplicatorMetrics.OldestWaitingJobAge.Name, "eu-west-1"));
    }

    private string? _long;

    [Fact]
    public async Task A_destination_removed_from_the_policy_finishes_its_copies_in_flight_and_cancels_its_waiting_work()
    {
        await using var h = await WorkflowHarness.StartAsync("""{"destinations":[{"region":"eu-west-1","maxInFlight":1},{"region":"eu-central-1"}]}""");
        var first = await RequestAsync(h, "golden-1");
        var second = await RequestAsync(h, "golden-2");

        h.ChangePolicy("""{"destinations":[{"region":"eu-central-1"}]}""");
        var jobs = await h.RunPollerUntilDoneAsync();

        Assert.Equal(CopyJobState.Available, jobs.Single(j => j.Key is { SourceImageId: var id, DestinationRegion: "eu-west-1" } && id == first).State);
        var cancelled = jobs.Single(j => j.Key is { SourceImageId: var id, DestinationRegion: "eu-west-1" } && id == second);
        Assert.Equal(CopyJobState.Cancelled, cancelled.State);
        Assert.Equal("destination eu-west-1 is no longer in the replication policy", cancelled.LastError);
        Assert.Single(h.Simulator.Images("eu-west-1"));
        Assert.All(jobs.Where(j => j.Key.DestinationRegion == "eu-central-1"), j => Assert.Equal(CopyJobState.Available, j.State));
        Assert.All(await h.CountersAsync(), c => Assert.Equal(0, c.InFlight));
    }

    [Fact]
    public async Task A_draining_destination_finishes_its_copies_in_flight_cancels_its_waiting_work_and_takes_no_new_request()
    {
        await using var h = await WorkflowHarness.StartAsync("""{"destinations":[{"region":"eu-west-1","maxInFlight":1},{"region":"eu-central-1"}]}""");
        var first = await RequestAsync(h, "golden-1");
        var second = await RequestAsync(h, "golden-2");

        h.ChangePolicy("""{"destinations":[{"region":"eu-west-1","maxInFlight":1,"drain":true},{"region":"eu-central-1"}]}""");
        var third = await RequestAsync(h, "golden-3");
        var asked = h.Simulator.SeedImage("us-east-1", new SeedImage { Name = "golden-4" });
        h.Send($$"""{"sourceRegion":"us-east-1","sourceImageId":"{{asked}}","requestedBy":"alice","destinations":["eu-west-1"]}""");
        await h.DeliverAsync();
        var jobs = (await h.RunPollerUntilDoneAsync()).Where(j => j.Key.DestinationRegion == "eu-west-1").ToDictionary(j => j.Key.SourceImageId);

        Assert.Equal(CopyJobState.Available, jobs[first].State);
        Assert.Equal((CopyJobState.Cancelled, "destination eu-west-1 is draining (drain: true in the policy)"), (jobs[second].State, jobs[second].LastError));
        Assert.False(jobs.ContainsKey(third));
        Assert.False(jobs.ContainsKey(asked));
        Assert.Contains("not in the replication policy or draining", Assert.Single(h.DeadLetters).Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_lowered_budget_holds_at_once_the_copies_above_it_finish_and_no_new_one_starts_until_there_is_room()
    {
        await using var h = await WorkflowHarness.StartAsync("""{"destinations":[{"region":"eu-west-1","maxInFlight":3}]}""");
        for (var i = 0; i < 3; i++)
        {
            await RequestAsync(h, $"golden-{i}");
        }

        h.ChangePolicy("""{"destinations":[{"region":"eu-west-1","maxInFlight":1}]}""");
        var later = new[] { await RequestAsync(h, "golden-late-1"), await RequestAsync(h, "golden-late-2") };
        var pendingWhenTheyStarted = new List<int>();
        await h.RunPollerUntilDoneAsync(eachMinute: async () =>
            pendingWhenTheyStarted.AddRange((await h.JobsAsync()).Where(j => later.Contains(j.Key.SourceImageId) && j.CopyStartedAt == h.Clock.GetUtcNow())
                .Select(_ => h.Simulator.PendingCopies("eu-west-1"))));

        Assert.Equal([1, 1], pendingWhenTheyStarted);
        Assert.Equal(3, h.Simulator.PeakPendingCopies("eu-west-1"));
    }
}
