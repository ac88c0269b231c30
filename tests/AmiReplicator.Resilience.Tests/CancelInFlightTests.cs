using AmiReplicator.Aws.Ec2;
using AmiReplicator.Domain.Copying;
using AmiReplicator.Domain.Jobs;
using AmiReplicator.LocalCloud;
using AmiReplicator.Resilience.Tests.Faults;
using AmiReplicator.TestSupport;
using static AmiReplicator.Resilience.Tests.Invariants;
using SeedImage = AmiReplicator.Ec2Simulator.SeedImage;

namespace AmiReplicator.Resilience.Tests;

/// <summary>
/// Cancel is exact: a cancel by hand while a claim's CopyImage is in flight never leaves a copy running without a slot or without a
/// job. The claim keeps its slots until the copy its call started is found and removed with its snapshots, or until no call can still
/// start one; no other job takes its slot meanwhile (with a budget of one, EC2 never runs two copies).
/// </summary>
[Collection(CrashCollection.Name)]
public class CancelInFlightTests(LocalCloudFixture cloud)
{
    private const string Policy = """{"destinations":[{"region":"eu-west-1","maxInFlight":1}]}""";
    private const string Reason = "cancelled by alice: wrong build";

    /// <summary>
    /// The dispatcher's CopyImage waits until the test lets it reach EC2 (and, when <paramref name="diesAfterTheCall"/>, the dispatcher
    /// dies as EC2 answers); every other call goes straight through.
    /// </summary>
    private sealed class HeldDispatcherCopy(Task released, bool diesAfterTheCall) : IFaultInjector
    {
        public async Task<T> AroundAsync<T>(string port, string method, string detail, Func<Task<T>> call)
        {
            if (method != "CopyImageAsync" || Actor.Name != Actor.Dispatcher)
            {
                return await call();
            }

            await released;
            var answer = await call();
            return diesAfterTheCall ? throw new SimulatedCrash("the dispatcher died as CopyImage answered") : answer;
        }
    }

    private static async Task<(LocalReplication Local, Workers Workers, Task Dispatch, string Source)> ClaimInFlightAsync(LocalCloudServers servers, Task released,
        bool diesAfterTheCall = false)
    {
        var local = await LocalReplication.StartAsync(servers, Policy, o => o with { CopyDuration = TimeSpan.FromMinutes(5) });
        var workers = Workers.Compose(local.Replicator.Store,
            new FaultyImageGateway(new Ec2ImageGateway(new Ec2Clients(local.Simulator.Endpoint, LocalReplication.Credentials)), new HeldDispatcherCopy(released, diesAfterTheCall)),
            local.DeadLetterQueue, local.RequestQueue, local.Replicator.Settings, local.Clock, local.Logging);
        var source = local.Simulator.SeedImage("us-east-1", new SeedImage { Name = "golden-wrong" });
        await local.SendAsync($$"""{"sourceRegion":"us-east-1","sourceImageId":"{{source}}","requestedBy":"test"}""");
        var dispatch = Actor.RunAsync(Actor.Dispatcher, async () =>
        {
            try
            {
                await local.EventSource.PollOnceAsync(workers.Dispatcher.HandleJsonAsync, CancellationToken.None);
            }
            catch (SimulatedCrash)
            {
                // Died with the copy started and nothing recorded.
            }
        });
        while ((await local.JobsAsync()).SingleOrDefault()?.State != CopyJobState.Claimed)
        {
            await Task.Yield();
        }

        return (local, workers, dispatch, source);
    }

    /// <summary>Another AMI asked for while the cancelled claim holds the only slot: it must wait.</summary>
    private static async Task<string> RequestAnotherAsync(LocalReplication local)
    {
        var next = local.Simulator.SeedImage("us-east-1", new SeedImage { Name = "golden-next" });
        await local.SendAsync($$"""{"sourceRegion":"us-east-1","sourceImageId":"{{next}}","requestedBy":"test"}""");
        await local.DeliverAsync();
        Assert.Equal(CopyJobState.Waiting, (await local.JobsAsync()).Single(j => j.Key.SourceImageId == next).State);
        return next;
    }

    /// <summary>The AMI that waited is copied once the cancelled claim ends; EC2 never ran two copies, and nothing is left.</summary>
    private static async Task AssertTheNextCopyMadeWithinTheBudgetAsync(LocalReplication local, string next, CopyJobKey cancelled)
    {
        var jobs = await local.RunPollerUntilDoneAsync();
        Assert.Equal(CopyJobState.Available, jobs.Single(j => j.Key.SourceImageId == next).State);
        Settled(local.Simulator, jobs, await local.CountersAsync(), ["eu-west-1"], cancelled: new HashSet<CopyJobKey> { cancelled });
        Assert.Equal(1, local.Simulator.PeakPendingCopies("eu-west-1"));
    }

    [Fact]
    public async Task A_cancel_while_the_dispatchers_CopyImage_is_in_flight_ends_the_job_with_the_copy_it_started_removed()
    {
        var release = new TaskCompletionSource();
        var (local, workers, dispatch, source) = await ClaimInFlightAsync(cloud.Servers, release.Task);
        await using var _ = local;

        var cancel = await workers.Canceller.CancelAsync(Assert.Single(await local.JobsAsync()), Reason, CancellationToken.None);
        Assert.Equal((CancelStatus.Requested, CopyJobState.Claimed, Reason), (cancel.Status, cancel.Job.State, cancel.Job.CancelRequested));
        var next = await RequestAnotherAsync(local);

        // The call lands: EC2 starts the copy, and the worker that made it finds the cancel and removes the copy at once.
        release.SetResult();
        await dispatch;
        var job = (await local.JobsAsync()).Single(j => j.Key.SourceImageId == source);
        var started = Assert.Single(Copies(local.Simulator, "eu-west-1"));
        Assert.Equal("deregistered", started.State);
        Assert.Equal((CopyJobState.Cancelled, null), (job.State, job.ImageToRemove));
        Assert.Equal($"{Reason}; the copy {started.ImageId} it had started was removed", job.LastError);
        Assert.All(started.BlockDevices, d => Assert.Equal("deleted", local.Simulator.Snapshots("eu-west-1").Single(s => s.SnapshotId == d.SnapshotId).State));

        await AssertTheNextCopyMadeWithinTheBudgetAsync(local, next, job.Key);
    }

    [Fact]
    public async Task A_cancelled_claim_whose_worker_died_is_settled_by_the_poller_with_the_copy_found_or_once_none_can_appear()
    {
        var release = new TaskCompletionSource();
        var (local, workers, dispatch, source) = await ClaimInFlightAsync(cloud.Servers, release.Task, diesAfterTheCall: true);
        await using var _ = local;
        var cancel = await workers.Canceller.CancelAsync(Assert.Single(await local.JobsAsync()), Reason, CancellationToken.None);
        Assert.Equal(CancelStatus.Requested, cancel.Status);
        var next = await RequestAnotherAsync(local);

        // The poller never repeats a cancelled claim's call, and keeps its slots while a call may still land.
        local.Clock.Advance(TimeSpan.FromMinutes(3));
        await Actor.RunAsync(Actor.Poller, () => workers.Poller.RunAsync(CancellationToken.None));
        Assert.Empty(Copies(local.Simulator, "eu-west-1"));
        Assert.Equal([CopyJobState.Claimed, CopyJobState.Waiting], (await local.JobsAsync()).OrderBy(j => j.Key.SourceImageId != source).Select(j => j.State));

        // Its CopyImage lands late and the worker dies before it records anything: the copy no record names is found by its name.
        release.SetResult();
        await dispatch;
        local.Clock.Advance(TimeSpan.FromMinutes(1));
        await Actor.RunAsync(Actor.Poller, () => workers.Poller.RunAsync(CancellationToken.None));
        var job = (await local.JobsAsync()).Single(j => j.Key.SourceImageId == source);
        var started = Assert.Single(Copies(local.Simulator, "eu-west-1"), c => c.Name == job.Name);
        Assert.Equal((CopyJobState.Cancelled, "deregistered"), (job.State, started.State));
        Assert.Equal($"{Reason}; the copy {started.ImageId} it had started was removed", job.LastError);

        await AssertTheNextCopyMadeWithinTheBudgetAsync(local, next, job.Key);
    }

    [Fact]
    public async Task A_cancelled_claim_whose_call_never_reached_EC2_ends_when_no_call_can_still_start_a_copy()
    {
        var never = new TaskCompletionSource();
        var (local, workers, _, source) = await ClaimInFlightAsync(cloud.Servers, never.Task);
        await using var __ = local;
        var claimed = Assert.Single(await local.JobsAsync());
        var cancel = await workers.Canceller.CancelAsync(claimed, Reason, CancellationToken.None);
        var settlesBy = workers.Canceller.SettlesBy(cancel.Job);
        Assert.Equal(claimed.ClaimedAt + CopyStarter.MaxCallInFlight + new TrackingOptions().TargetNotFoundGrace, settlesBy);

        local.Clock.Advance(settlesBy - local.Clock.GetUtcNow() - TimeSpan.FromMinutes(1));
        await Actor.RunAsync(Actor.Poller, () => workers.Poller.RunAsync(CancellationToken.None));
        Assert.Equal(CopyJobState.Claimed, Assert.Single(await local.JobsAsync()).State);

        local.Clock.Advance(TimeSpan.FromMinutes(1));
        await Actor.RunAsync(Actor.Poller, () => workers.Poller.RunAsync(CancellationToken.None));
        var job = Assert.Single(await local.JobsAsync());
        Assert.Equal((CopyJobState.Cancelled, Reason), (job.State, job.LastError));
        Assert.Empty(Copies(local.Simulator, "eu-west-1"));
        Assert.All(await local.CountersAsync(), c => Assert.Equal(0, c.InFlight));
        Assert.Equal(source, job.Key.SourceImageId);
    }
}
