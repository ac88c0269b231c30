using AmiReplicator.Aws.Ec2;
using AmiReplicator.Domain.Jobs;
using AmiReplicator.LocalCloud;
using AmiReplicator.Resilience.Tests.Faults;
using AmiReplicator.TestSupport;
using static AmiReplicator.Resilience.Tests.Invariants;
using SeedImage = AmiReplicator.Ec2Simulator.SeedImage;

namespace AmiReplicator.Resilience.Tests;

/// <summary>
/// Workers that overlap in the worst order, made to happen deterministically: two pollers repeating the same stale claim while
/// EC2 is at its limit, and a dispatcher whose CopyImage outlives the stale-claim window. EC2 never runs more copies than the
/// budget, at any instant (the simulator's peak counts every copy CopyImage started), and each job ends with one copy.
/// </summary>
[Collection(CrashCollection.Name)]
public class OverlappingWorkersTests(LocalCloudFixture cloud)
{
    private const string Policy = """{"destinations":[{"region":"eu-west-1","maxInFlight":1}]}""";

    /// <summary>Lets each actor's CopyImage calls through as the test scripts them; every other call goes straight through.</summary>
    private sealed class ScriptedCopyImage(Func<string, Func<Task<object?>>, Task<object?>> copyImage) : IFaultInjector
    {
        public async Task<T> AroundAsync<T>(string port, string method, string detail, Func<Task<T>> call) =>
            method == "CopyImageAsync" ? (T)(await copyImage(Actor.Name, async () => await call()))! : await call();
    }

    private static async Task<(LocalReplication Local, Workers Scripted)> StartAsync(LocalCloudServers servers, ScriptedCopyImage script)
    {
        var local = await LocalReplication.StartAsync(servers, Policy,
            o => o with { MaxConcurrentCopiesPerDestination = 1, CopyDuration = TimeSpan.FromMinutes(5) });
        var clients = new Ec2Clients(local.Simulator.Endpoint, LocalReplication.Credentials);
        var scripted = Workers.Compose(local.Replicator.Store, new FaultyImageGateway(new Ec2ImageGateway(clients), script),
            local.DeadLetterQueue, local.RequestQueue, local.Replicator.Settings, local.Clock, local.Logging);
        return (local, scripted);
    }

    private static async Task<string> RequestAsync(LocalReplication local, Workers workers, string name)
    {
        var imageId = local.Simulator.SeedImage("us-east-1", new SeedImage { Name = name });
        await local.SendAsync($$"""{"sourceRegion":"us-east-1","sourceImageId":"{{imageId}}","requestedBy":"test"}""");
        await Actor.RunAsync(Actor.Dispatcher, async () =>
        {
            try
            {
                await local.EventSource.PollOnceAsync(workers.Dispatcher.HandleJsonAsync, CancellationToken.None);
            }
            catch (SimulatedCrash)
            {
                // The dispatcher died with the claim made: the message comes back, the claim goes stale.
            }
        });
        return imageId;
    }

    private static async Task AssertSettledWithinTheBudgetAsync(LocalReplication local, params string[] sources)
    {
        var jobs = await local.RunPollerUntilDoneAsync();
        Settled(local.Simulator, jobs, await local.CountersAsync(), ["eu-west-1"]);
        Assert.Equal(sources.Order(), jobs.Select(j => j.Key.SourceImageId).Order());
        Assert.Equal(1, local.Simulator.PeakPendingCopies("eu-west-1"));
    }

    [Fact]
    public async Task Two_pollers_finding_a_stale_claim_while_EC2_is_at_its_limit_repeat_it_once_and_never_run_a_copy_without_a_slot()
    {
        IDisposable? otherTools = null;
        var (local, scripted) = await StartAsync(cloud.Servers, new ScriptedCopyImage(async (actor, call) =>
        {
            switch (actor)
            {
                case Actor.Dispatcher:
                    throw new SimulatedCrash("the dispatcher died just before CopyImage");
                case "poller-1" or "poller-2":
                    try
                    {
                        return await call(); // ResourceLimitExceeded: other tools hold EC2's only slot.
                    }
                    finally
                    {
                        // The other tools' copy ends as EC2 answers.
                        otherTools!.Dispose();
                    }

                default:
                    return await call();
            }
        }));
        await using var _ = local;
        var stale = await RequestAsync(local, scripted, "golden-stale");
        Assert.Equal(CopyJobState.Claimed, Assert.Single(await local.JobsAsync()).State);
        otherTools = local.Simulator.OccupyCopySlots("eu-west-1", 1);
        local.Clock.Advance(TimeSpan.FromMinutes(3));

        await Task.WhenAll(
            Actor.RunAsync("poller-1", () => scripted.Poller.RunAsync(CancellationToken.None)),
            Actor.RunAsync("poller-2", () => scripted.Poller.RunAsync(CancellationToken.None)));
        // Each repeat records that a call begins, conditionally, before it is made: only one of the two pollers makes it.
        Assert.Equal(1, local.Simulator.CallCount("eu-west-1", "CopyImage"));
        var waiting = local.Simulator.SeedImage("us-east-1", new SeedImage { Name = "golden-next" });
        await local.SendAsync($$"""{"sourceRegion":"us-east-1","sourceImageId":"{{waiting}}","requestedBy":"test"}""");
        await local.DeliverAsync();

        // The claim kept its slot through the back-pressure: the copy the second poller started is the job's, within the budget.
        var job = (await local.JobsAsync()).Single(j => j.Key.SourceImageId == stale);
        Assert.True(job.State.HoldsSlot(), $"{job.Key} is {job.State}");
        await AssertSettledWithinTheBudgetAsync(local, stale, waiting);
    }

    [Fact]
    public async Task A_dispatcher_whose_CopyImage_outlives_the_stale_claim_window_records_the_copy_the_repair_found()
    {
        var repaired = new TaskCompletionSource();
        var (local, scripted) = await StartAsync(cloud.Servers, new ScriptedCopyImage(async (actor, call) =>
        {
            if (actor == Actor.Dispatcher)
            {
                // The dispatcher's request is slow: the poller takes the claim for dead and repeats it first.
                await repaired.Task;
                return await call();
            }

            try
            {
                return await call();
            }
            finally
            {
                repaired.TrySetResult();
            }
        }));
        await using var _ = local;
        var imageId = local.Simulator.SeedImage("us-east-1", new SeedImage { Name = "golden-slow" });
        await local.SendAsync($$"""{"sourceRegion":"us-east-1","sourceImageId":"{{imageId}}","requestedBy":"test"}""");
        var slowDispatch = Actor.RunAsync(Actor.Dispatcher, () => local.EventSource.PollOnceAsync(scripted.Dispatcher.HandleJsonAsync, CancellationToken.None));

        while ((await local.JobsAsync()).SingleOrDefault()?.State != CopyJobState.Claimed)
        {
            await Task.Yield();
        }

        local.Clock.Advance(TimeSpan.FromMinutes(3));
        await Actor.RunAsync(Actor.Poller, () => scripted.Poller.RunAsync(CancellationToken.None));
        await slowDispatch;

        var job = Assert.Single(await local.JobsAsync());
        Assert.Equal(CopyJobState.Copying, job.State);
        Assert.Single(Copies(local.Simulator, "eu-west-1"));
        await AssertSettledWithinTheBudgetAsync(local, imageId);
    }
}
