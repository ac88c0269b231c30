using System.Collections.Concurrent;
using AmiReplicator.Aws.Ec2;
using AmiReplicator.Domain.Jobs;
using AmiReplicator.LocalCloud;
using AmiReplicator.Resilience.Tests.Faults;
using AmiReplicator.TestSupport;
using static AmiReplicator.Resilience.Tests.Invariants;
using SeedImage = AmiReplicator.Ec2Simulator.SeedImage;

namespace AmiReplicator.Resilience.Tests;

/// <summary>
/// What the dispatcher and the poller ask DynamoDB while the other moves the work on, each keeping what it read as a Lambda
/// process does: a claim refused or a turn asked for in vain is a call spent on nothing.
/// </summary>
[Collection(CrashCollection.Name)]
public class WorkersAskingTheStoreTests(LocalCloudFixture cloud)
{
    /// <summary>Every job-store call the workers make, with its answer.</summary>
    private sealed class StoreCalls : IFaultInjector
    {
        public ConcurrentQueue<(string Method, string Detail, object? Answer)> Calls { get; } = new();

        public async Task<T> AroundAsync<T>(string port, string method, string detail, Func<Task<T>> call)
        {
            var answer = await call();
            Calls.Enqueue((method, detail, answer));
            return answer;
        }

        public IEnumerable<TransitionResult> Claims => Calls.Where(c => c is { Method: "TransitionAsync", Detail: "Waiting->Claimed" }).Select(c => (TransitionResult)c.Answer!);

        public int Count(string method) => Calls.Count(c => c.Method == method);
    }

    /// <param name="copyDurations">How long a copy of each source takes (by its image id), 10 minutes for one not named.</param>
    private static async Task<(LocalReplication Local, Workers Workers, StoreCalls Calls)> StartAsync(LocalCloudServers servers, string policy,
        IReadOnlyDictionary<string, TimeSpan>? copyDurations = null)
    {
        var local = await LocalReplication.StartAsync(servers, policy, o => o with
        {
            CopyDurationFor = copy => copyDurations?.GetValueOrDefault(copy.SourceImageId) ?? TimeSpan.FromMinutes(10),
        });
        var calls = new StoreCalls();
        return (local, Compose(local, calls), calls);
    }

    /// <summary>A worker process of its own (its own read-ahead and memory of turns), its store calls recorded in <paramref name="calls"/>.</summary>
    private static Workers Compose(LocalReplication local, StoreCalls calls) =>
        Workers.Compose(new FaultyJobStore(local.Replicator.Store, calls), new Ec2ImageGateway(new Ec2Clients(local.Simulator.Endpoint, LocalReplication.Credentials)),
            local.DeadLetterQueue, local.RequestQueue, local.Replicator.Settings, local.Clock, local.Logging);

    private static Task DispatchAsync(LocalReplication local, Workers workers) =>
        Actor.RunAsync(Actor.Dispatcher, async () =>
        {
            while ((await local.EventSource.PollOnceAsync(workers.Dispatcher.HandleJsonAsync, CancellationToken.None)).Delivered > 0)
            {
            }
        });

    private static Task<Domain.Copying.PollReport> PollAsync(Workers workers) => Actor.RunAsync(Actor.Poller, () => workers.Poller.RunAsync(CancellationToken.None));

    [Fact]
    public async Task A_pollers_read_ahead_is_read_again_once_the_dispatcher_started_some_of_its_jobs_so_no_claim_is_refused()
    {
        // Two slots; the two largest AMIs take them, four wait. The copies' durations set who frees a slot when.
        var durations = new ConcurrentDictionary<string, TimeSpan>();
        var (local, workers, calls) = await StartAsync(cloud.Servers, """{"destinations":[{"region":"eu-west-1","maxInFlight":2}]}""", durations);
        await using var _ = local;
        var imageIds = new Dictionary<string, string>();
        foreach (var (name, gib, minutes) in new[] { ("x1", 100, 2), ("x2", 90, 3), ("w1", 80, 3), ("w2", 70, 10), ("w3", 60, 10), ("w4", 50, 10) })
        {
            var imageId = imageIds[name] = local.Simulator.SeedImage("us-east-1", new SeedImage { Name = $"golden-{name}", Volumes = [new Ec2Simulator.SeedVolume("/dev/xvda", gib)] });
            durations[imageId] = TimeSpan.FromMinutes(minutes);
            await local.SendAsync($$"""{"sourceRegion":"us-east-1","sourceImageId":"{{imageId}}","requestedBy":"test"}""");
        }

        await DispatchAsync(local, workers);
        Assert.Equal(2, (await local.JobsAsync()).Count(j => j.State == CopyJobState.Copying));

        // x1 ends unseen by its event: the poller's pass finishes it, reads the waiting list and starts w1, keeping w2..w4.
        local.Clock.Advance(TimeSpan.FromMinutes(2));
        await PollAsync(workers);
        // x2 ends and its event reaches the dispatcher, which starts w2 from its own read of the list.
        local.Clock.Advance(TimeSpan.FromMinutes(1));
        await local.SendEc2EventsAsync();
        await DispatchAsync(local, workers);
        // w1 ends unseen: the poller, whose kept list still names w2, must read the list again rather than claim w2 in vain.
        local.Clock.Advance(TimeSpan.FromMinutes(2));
        await PollAsync(workers);

        var jobsNow = await local.JobsAsync();
        var byName = imageIds.ToDictionary(i => i.Key, i => jobsNow.Single(j => j.Key.SourceImageId == i.Value));
        Assert.Equal(CopyJobState.Available, byName["w1"].State);
        Assert.True(byName["w2"].State.HoldsSlot() && byName["w3"].State.HoldsSlot(), $"w2 {byName["w2"].State}, w3 {byName["w3"].State}");
        Assert.DoesNotContain(calls.Claims, c => c.Status == TransitionStatus.Conflict);
        Assert.Equal(5, calls.Claims.Count(c => c.Applied));

        var jobs = await local.RunPollerUntilDoneAsync();
        Settled(local.Simulator, jobs, await local.CountersAsync(), ["eu-west-1"]);
    }

    [Fact]
    public async Task A_poller_running_every_minute_asks_for_each_source_regions_sweep_once_an_interval_not_once_a_pass()
    {
        var (local, workers, calls) = await StartAsync(cloud.Servers,
            """{"sourceRegions":["us-east-1","us-west-2"],"destinations":[{"region":"eu-west-1"}],"sweepIntervalMinutes":30}""");
        await using var _ = local;

        // Two workers a pass, as two poller processes (one of which another pass finds sweeping), for an hour and a half.
        var other = Compose(local, calls);
        for (var minute = 0; minute < 90; minute++)
        {
            await PollAsync(workers);
            await PollAsync(other);
            local.Clock.Advance(TimeSpan.FromMinutes(1));
        }

        // Each region swept at 0, 30 and 60 minutes. Each turn is asked for by the worker that takes it and at most once by the other
        // (at its first pass after the turn is due, which tells it when the next one is): never more than 2 workers x 2 regions x 3
        // turns, where asking at every pass would be 360.
        var asked = calls.Calls.Where(c => c.Method == "TryStartSweepAsync").Select(c => (ScheduledTurn)c.Answer!).ToList();
        Assert.Equal(6, asked.Count(t => t.Taken));
        Assert.InRange(asked.Count, 6, 12);
    }
}
