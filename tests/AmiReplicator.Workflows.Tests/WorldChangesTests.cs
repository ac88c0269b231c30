using AmiReplicator.Domain.Copying;
using AmiReplicator.Domain.Jobs;
using AmiReplicator.Domain.Slots;
using AmiReplicator.Ec2Simulator;

namespace AmiReplicator.Workflows.Tests;

/// <summary>EC2's limit shared with other tools, and the world changing while copies wait or run.</summary>
public class WorldChangesTests
{
    private static async Task<string> RequestAsync(WorkflowHarness h, string name, string region = "us-east-1")
    {
        var imageId = h.Simulator.SeedImage(region, new SeedImage { Name = name, Tags = new Dictionary<string, string> { ["team"] = "platform" } });
        h.Send($$"""{"sourceRegion":"{{region}}","sourceImageId":"{{imageId}}","requestedBy":"test"}""");
        await h.DeliverAsync();
        return imageId;
    }

    private static async Task AssertNoSlotHeldAsync(WorkflowHarness h) =>
        Assert.All(await h.CountersAsync(), c => Assert.Equal((0, 0), (c.InFlight, c.Holders.Count)));

    [Fact]
    public async Task ResourceLimitExceeded_from_EC2_is_back_pressure_the_job_waits_and_finishes_later()
    {
        await using var h = await WorkflowHarness.StartAsync("""{"destinations":[{"region":"eu-west-1"}]}""");
        var otherTools = h.Simulator.OccupyCopySlots("eu-west-1", 50);

        await RequestAsync(h, "golden-1");

        // The job keeps its claim (a CopyImage of it still in flight elsewhere could start the copy) and the destination backs off.
        var waiting = Assert.Single(await h.JobsAsync());
        Assert.Equal(CopyJobState.Claimed, waiting.State);
        Assert.Contains("ResourceLimitExceeded", waiting.LastError, StringComparison.Ordinal);
        var until = h.Clock.GetUtcNow() + CopyStarter.BackPressureDelay;
        Assert.Equal(until, waiting.NotBefore);
        Assert.Equal(until, (await h.CountersAsync()).Single(c => c.Scope == SlotScope.All(CopyDestination.Home("eu-west-1"))).BackOffUntil);

        otherTools.Dispose();
        var done = Assert.Single(await h.RunPollerUntilDoneAsync());
        Assert.Equal((CopyJobState.Available, 1), (done.State, done.Attempt));
    }

    [Fact]
    public async Task A_source_deregistered_while_its_copy_waits_fails_the_job_and_frees_nothing_it_did_not_hold()
    {
        await using var h = await WorkflowHarness.StartAsync("""{"destinations":[{"region":"eu-west-1","maxInFlight":1}]}""");
        var first = await RequestAsync(h, "golden-1");
        var second = await RequestAsync(h, "golden-2");
        Assert.Equal(CopyJobState.Waiting, (await h.JobsAsync()).Single(j => j.Key.SourceImageId == second).State);

        h.Simulator.DeregisterImage("us-east-1", second);
        var jobs = await h.RunPollerUntilDoneAsync();

        Assert.Equal(CopyJobState.Available, jobs.Single(j => j.Key.SourceImageId == first).State);
        var gone = jobs.Single(j => j.Key.SourceImageId == second);
        Assert.Equal(CopyJobState.Failed, gone.State);
        Assert.Contains("CopyImage refused: InvalidAMIID.", gone.LastError, StringComparison.Ordinal);
        await AssertNoSlotHeldAsync(h);
    }

    [Fact]
    public async Task A_source_deregistered_while_its_copy_runs_leaves_an_available_copy_shared_as_the_source_was_when_asked()
    {
        await using var h = await WorkflowHarness.StartAsync("""{"destinations":[{"region":"eu-west-1"}]}""");
        var source = h.Simulator.SeedImage("us-east-1", new SeedImage { Name = "golden-1", LaunchPermissions = [LaunchPermissionEntry.ForAccount("111122223333")] });
        h.Send($$"""{"sourceRegion":"us-east-1","sourceImageId":"{{source}}","requestedBy":"test"}""");
        await h.DeliverAsync();

        h.Simulator.DeregisterImage("us-east-1", source);
        var job = Assert.Single(await h.RunPollerUntilDoneAsync());

        Assert.Equal(CopyJobState.Available, job.State);
        Assert.Equal(["111122223333"], h.Simulator.FindImage("eu-west-1", job.TargetImageId!)!.LaunchPermissions.Select(p => p.UserId));
        await AssertNoSlotHeldAsync(h);
    }

    [Fact]
    public async Task A_pending_copy_deregistered_by_a_person_ends_cancelled_with_the_reason_and_its_slots_released()
    {
        await using var h = await WorkflowHarness.StartAsync("""{"destinations":[{"region":"eu-west-1"}]}""");
        await RequestAsync(h, "golden-1");
        var copying = Assert.Single(await h.JobsAsync());

        h.Simulator.DeregisterImage("eu-west-1", copying.TargetImageId!);
        var job = Assert.Single(await h.RunPollerUntilDoneAsync());

        Assert.Equal(CopyJobState.Cancelled, job.State);
        Assert.Contains($"target {copying.TargetImageId} was deregistered before it finished", job.LastError, StringComparison.Ordinal);
        Assert.Equal(1, job.Attempt);
        await AssertNoSlotHeldAsync(h);
    }

    [Theory]
    [InlineData(RegionAccess.Denied, "UnauthorizedOperation")]
    [InlineData(RegionAccess.NotOptedIn, "AuthFailure")]
    public async Task A_destination_that_refuses_fails_its_jobs_with_the_reason_and_the_others_go_on(RegionAccess access, string code)
    {
        await using var h = await WorkflowHarness.StartAsync("""{"destinations":[{"region":"eu-west-1"},{"region":"ap-southeast-2"}]}""");
        h.Simulator.SetRegionAccess("ap-southeast-2", access);

        await RequestAsync(h, "golden-1");
        var jobs = await h.RunPollerUntilDoneAsync();

        Assert.Equal(CopyJobState.Available, jobs.Single(j => j.Key.DestinationRegion == "eu-west-1").State);
        var refused = jobs.Single(j => j.Key.DestinationRegion == "ap-southeast-2");
        Assert.Equal(CopyJobState.Failed, refused.State);
        Assert.Contains(code, refused.LastError, StringComparison.Ordinal);
        await AssertNoSlotHeldAsync(h);
    }

    [Fact]
    public async Task A_copys_own_available_event_finishes_its_job_and_starts_waiting_work_without_a_poller_pass()
    {
        await using var h = await WorkflowHarness.StartAsync("""{"destinations":[{"region":"eu-west-1","maxInFlight":1}]}""");
        var first = await RequestAsync(h, "golden-1");
        var second = await RequestAsync(h, "golden-2");
        h.SendEc2Events();
        await h.DeliverAsync();

        h.Clock.Advance(TimeSpan.FromMinutes(5));
        Assert.True(h.SendEc2Events() > 0);
        await h.DeliverAsync();

        var jobs = await h.JobsAsync();
        Assert.Equal(CopyJobState.Available, jobs.Single(j => j.Key.SourceImageId == first).State);
        Assert.Equal(CopyJobState.Copying, jobs.Single(j => j.Key.SourceImageId == second).State);
        Assert.Equal(2, jobs.Count);
    }

    [Fact]
    public async Task Replicating_both_ways_copies_each_AMI_exactly_once_per_destination_and_never_a_copy()
    {
        await using var h = await WorkflowHarness.StartAsync("""{"destinations":[{"region":"us-east-1"},{"region":"eu-west-1"}]}""");
        var sources = new Dictionary<string, string>();
        foreach (var (region, i) in new[] { ("us-east-1", 1), ("us-east-1", 2), ("eu-west-1", 3) })
        {
            sources[h.Simulator.SeedImage(region, new SeedImage { Name = $"golden-{i}" })] = region;
        }

        // Every EC2 event goes to the queue, the copies' own included, minute after minute.
        for (var minute = 0; minute < 30; minute++)
        {
            h.SendEc2Events();
            await h.DeliverAsync();
            h.Clock.Advance(TimeSpan.FromMinutes(1));
            await h.RunPollerAsync();
        }

        var jobs = await h.JobsAsync();
        Assert.Equal(sources.Count, jobs.Count);
        Assert.All(jobs, j => Assert.Equal(CopyJobState.Available, j.State));
        foreach (var (imageId, region) in sources)
        {
            var other = region == "us-east-1" ? "eu-west-1" : "us-east-1";
            Assert.Single(h.Simulator.Images(other), i => i.SourceImageId == imageId);
            Assert.DoesNotContain(h.Simulator.Images(region), i => i.SourceImageId is not null && sources.ContainsKey(i.SourceImageId) && sources[i.SourceImageId] == region);
        }

        Assert.Equal(3 + 3, h.Simulator.Images("us-east-1").Count + h.Simulator.Images("eu-west-1").Count);
        Assert.Contains("copies are never replicated again", h.Log.ToString(), StringComparison.Ordinal);
    }
}
