using AmiReplicator.Domain.Jobs;
using AmiReplicator.LocalCloud;
using SeedImage = AmiReplicator.Ec2Simulator.SeedImage;
using SeedVolume = AmiReplicator.Ec2Simulator.SeedVolume;

namespace AmiReplicator.Workflows.Tests;

/// <summary>Which waiting job takes a slot that frees, whoever frees it: no slot idles while work waits, oldest first per pair.</summary>
public class SchedulingTests
{
    private static async Task<string> RequestAsync(WorkflowHarness h, string region, string name, int sizeGiB = 8)
    {
        var imageId = h.Simulator.SeedImage(region, new SeedImage { Name = name, Volumes = [new SeedVolume("/dev/xvda", sizeGiB)] });
        h.Send(LocalReplication.AvailableEvent(region, imageId, imageId));
        await h.DeliverAsync();
        h.Clock.Advance(TimeSpan.FromSeconds(1));
        return imageId;
    }

    [Fact]
    public async Task A_waiting_job_is_not_held_back_by_any_number_of_older_jobs_whose_pair_is_full()
    {
        // Once, 1000 older waiting jobs of a full pair hid every other source's jobs from the poller; here the older backlog is
        // five jobs of a pair with no room (budget 1 per source), and the second us-west-2 job must start the moment the first ends.
        await using var h = await WorkflowHarness.StartAsync(
            """{"destinations":[{"region":"eu-west-1","maxInFlight":2,"maxInFlightPerSource":1}]}""",
            o => o with { CopyDurationFor = c => TimeSpan.FromMinutes(c.SourceRegion == "us-west-2" ? 5 : 60) });
        var firstWest = await RequestAsync(h, "us-west-2", "golden-west-0");
        for (var i = 0; i < 6; i++)
        {
            await RequestAsync(h, "us-east-1", $"golden-east-{i}");
        }

        var lastWest = await RequestAsync(h, "us-west-2", "golden-west-1");
        var jobs = await h.RunPollerUntilDoneAsync(maxMinutes: 480);

        var (first, last) = (jobs.Single(j => j.Key.SourceImageId == firstWest), jobs.Single(j => j.Key.SourceImageId == lastWest));
        Assert.Equal(first.CompletedAt, last.CopyStartedAt);
    }

    [Fact]
    public async Task A_new_job_never_takes_a_free_slot_while_an_older_job_of_its_pair_waits()
    {
        await using var h = await WorkflowHarness.StartAsync("""{"destinations":[{"region":"eu-west-1","maxInFlight":1}]}""",
            o => o with { CopyDuration = TimeSpan.FromMinutes(30) });
        var copying = await RequestAsync(h, "us-east-1", "golden-1");
        var older = await RequestAsync(h, "us-east-1", "golden-2");

        // A larger budget is deployed: the next request meets a free slot before any poller pass, and the older job takes it.
        h.ChangePolicy("""{"destinations":[{"region":"eu-west-1","maxInFlight":2}]}""");
        var newer = await RequestAsync(h, "us-east-1", "golden-3");

        var jobs = (await h.JobsAsync()).ToDictionary(j => j.Key.SourceImageId);
        Assert.Equal((CopyJobState.Copying, CopyJobState.Copying, CopyJobState.Waiting), (jobs[copying].State, jobs[older].State, jobs[newer].State));
    }

    [Fact]
    public async Task Jobs_that_became_ready_in_the_same_minute_start_largest_first()
    {
        await using var h = await WorkflowHarness.StartAsync("""{"destinations":[{"region":"eu-west-1","maxInFlight":1}]}""",
            o => o with { CopyDuration = TimeSpan.FromMinutes(10) });
        var blocker = await RequestAsync(h, "us-east-1", "golden-blocker");
        var small = await RequestAsync(h, "us-east-1", "golden-small", sizeGiB: 8);
        var large = await RequestAsync(h, "us-east-1", "golden-large", sizeGiB: 500);
        var medium = await RequestAsync(h, "us-east-1", "golden-medium", sizeGiB: 100);

        var jobs = await h.RunPollerUntilDoneAsync();

        Assert.Equal([blocker, large, medium, small], jobs.OrderBy(j => j.CopyStartedAt).Select(j => j.Key.SourceImageId));
    }

    [Fact]
    public async Task The_new_jobs_of_one_batch_start_together_largest_first_whatever_order_their_messages_came_in()
    {
        await using var h = await WorkflowHarness.StartAsync("""{"destinations":[{"region":"eu-west-1","maxInFlight":2}]}""",
            o => o with { CopyDuration = TimeSpan.FromMinutes(10) });
        var sizes = new[] { 8, 20, 500, 30, 300 };
        var images = sizes.Select((size, i) => h.Simulator.SeedImage("us-east-1", new SeedImage { Name = $"golden-{i}", Volumes = [new SeedVolume("/dev/xvda", size)] })).ToList();
        foreach (var imageId in images)
        {
            h.Send(LocalReplication.AvailableEvent("us-east-1", imageId, imageId));
        }

        await h.DeliverAsync();

        var copying = (await h.JobsAsync()).Where(j => j.State == CopyJobState.Copying).Select(j => j.Key.SourceImageId).Order().ToList();
        Assert.Equal([.. new[] { images[2], images[4] }.Order()], copying);
    }

    [Fact]
    public async Task A_batch_at_its_deadline_hands_back_the_messages_it_has_not_handled_and_they_are_handled_on_redelivery()
    {
        await using var h = await WorkflowHarness.StartAsync("""{"destinations":[{"region":"eu-west-1"}]}""");
        var imageIds = Enumerable.Range(0, 3).Select(i => h.Simulator.SeedImage("us-east-1", new SeedImage { Name = $"golden-{i}" })).ToList();
        foreach (var imageId in imageIds)
        {
            h.Send(LocalReplication.AvailableEvent("us-east-1", imageId, imageId));
        }

        using var deadline = new CancellationTokenSource();
        await deadline.CancelAsync();
        Assert.Equal(3, await h.DeliverAsync(deadline.Token));
        Assert.Empty(await h.JobsAsync());

        Assert.Equal(3, await h.DeliverAsync());
        Assert.Equal(0, await h.DeliverAsync());
        Assert.Equal(imageIds.Order(), (await h.JobsAsync()).Where(j => j.State == CopyJobState.Copying).Select(j => j.Key.SourceImageId).Order());
    }
}
