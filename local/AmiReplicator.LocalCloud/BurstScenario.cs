using System.Collections.Concurrent;
using System.Diagnostics;
using Amazon.SQS.Model;
using AmiReplicator.Domain.Jobs;
using AmiReplicator.Domain.Policy;
using AmiReplicator.Domain.Slots;
using AmiReplicator.Ec2Simulator;

namespace AmiReplicator.LocalCloud;

/// <summary>
/// A burst: many AMIs become available at once in two source regions and are copied to several destinations through the real
/// handlers on the local cloud, at the seed's EC2 limits (50 per destination, 25 per source region) on the simulator, with the
/// policy's default budgets. With target accounts (<see cref="BurstSettings.Accounts"/>), each also gets its own copy in every destination,
/// copied through its spoke role from the home account's copy there, its copies' events forwarded to the home account as the spoke
/// stack's rule does. The burst tests run small ones and check them; `amirepl-local burst` runs large ones and measures them.
/// </summary>
public sealed class BurstScenario : IAsyncDisposable
{
    public static readonly IReadOnlyList<string> Sources = ["us-east-1", "us-west-2"];
    public static readonly IReadOnlyList<string> AllDestinations = ["eu-west-1", "eu-central-1", "ap-southeast-2", "us-east-2", "ap-northeast-1", "eu-north-1"];

    /// <summary>The seed's EC2 limits, which the policy's default budgets match.</summary>
    public static readonly SlotBudget SeedLimits = new(50, 25);

    /// <summary>
    /// Shares of the home account's copies still given to other accounts (launch permissions and their snapshots'
    /// createVolumePermission): a target account's share goes when its job ends, so none is left once every job has.
    /// </summary>
    public static int SharesLeft(Ec2Simulator.Ec2Simulator simulator, IEnumerable<CopyJob> jobs)
    {
        var homeCopies = jobs.Where(j => j is { Key.DestinationAccount: null, TargetImageId: not null })
            .Select(j => simulator.FindImage(j.Key.DestinationRegion, j.TargetImageId!)).OfType<ImageInfo>().ToList();
        var snapshots = homeCopies.SelectMany(i => i.BlockDevices.Select(d => (i.Region, d.SnapshotId))).Where(s => s.SnapshotId is not null).ToHashSet();
        return homeCopies.Sum(i => i.LaunchPermissions.Count(p => p.UserId is not null))
            + homeCopies.Select(i => i.Region).Distinct().SelectMany(simulator.Snapshots).Where(s => snapshots.Contains((s.Region, s.SnapshotId))).Sum(s => s.CreateVolumePermissions.Count);
    }

    private readonly Func<IDisposable> _harnessCalls;
    private int _eventsForwarded;
    private List<CopyDestination>? _stillActive;

    private BurstScenario(BurstSettings settings, LocalReplication local, IReadOnlyList<(string Region, string ImageId)> images,
        IReadOnlyDictionary<(string SourceImageId, string Destination), TimeSpan> durations, Func<IDisposable> harnessCalls)
    {
        Settings = settings;
        Local = local;
        Images = images;
        Durations = durations;
        _harnessCalls = harnessCalls;
    }

    public BurstSettings Settings { get; }
    public LocalReplication Local { get; }

    /// <summary>The source AMIs, in the order their events are enqueued.</summary>
    public IReadOnlyList<(string Region, string ImageId)> Images { get; }

    /// <summary>How long each copy takes on the simulator.</summary>
    public IReadOnlyDictionary<(string SourceImageId, string Destination), TimeSpan> Durations { get; }

    public int JobCount => Images.Count * Settings.DestinationCount * (1 + Settings.Accounts);

    /// <summary>The budget of every target (account, region), or null without target accounts.</summary>
    public SlotBudget? TargetBudget => Settings.Accounts == 0 ? null
        : AllDestinationKeys.Where(d => d.Account is not null).Select(Local.Replicator.Settings.Policy.BudgetFor).Distinct().Single();

    /// <summary>Every destination of the burst: the home account's, then each target account's.</summary>
    public IReadOnlyList<CopyDestination> AllDestinationKeys =>
        [.. Settings.Destinations.Select(CopyDestination.Home), .. Settings.TargetAccounts.SelectMany(a => Settings.Destinations.Select(d => new CopyDestination(d, a)))];

    /// <summary>The failure code a job of the destination must end with (the failing targets'), or null: it must end AVAILABLE.</summary>
    public string? ExpectedFailureCode(CopyDestination destination) =>
        destination.Account is not { } account ? null
        : account == Settings.AccountWithoutRole ? FailureCodes.RoleDenied
        : account == Settings.AccountWithoutRegion && destination.Region == Settings.Destinations[^1] ? FailureCodes.RegionNotEnabled
        : account == Settings.AccountRefusingKey && destination.Region == Settings.Destinations[0] ? FailureCodes.KmsDenied
        : null;

    /// <summary>The budgets of every destination (the policy's defaults).</summary>
    public SlotBudget Budget => Settings.Destinations.Select(d => Local.Replicator.Settings.Policy.BudgetFor(CopyDestination.Home(d))).Distinct().Single();

    /// <summary>
    /// Seeds the AMIs on a fresh replication and puts every one's "available" event in the request queue.
    /// </summary>
    /// <param name="harnessCalls">Wraps the scenario's own AWS calls (enqueueing, reading to check), so a benchmark counting the product's calls can leave them out.</param>
    public static async Task<BurstScenario> StartAsync(LocalCloudServers servers, BurstSettings settings, Func<IDisposable>? harnessCalls = null)
    {
        if (settings.Problem is { } problem)
        {
            throw new ArgumentException(problem, nameof(settings));
        }

        var durations = new Dictionary<(string SourceImageId, string Destination), TimeSpan>();
        // A target account's copy is made from the home account's copy in the region, of the same size: it takes as long.
        var sourceOfHomeCopy = new ConcurrentDictionary<string, string>(StringComparer.Ordinal);
        var local = await LocalReplication.StartAsync(servers, settings.PolicyJson, pollerOptions: new TrackingOptions { PageSize = settings.PollerPageSize },
            simulatorOptions: o => o with
            {
                Regions = [.. Sources, .. AllDestinations],
                MaxConcurrentCopiesPerDestination = SeedLimits.MaxInFlight,
                MaxConcurrentCopiesPerSourceRegion = SeedLimits.MaxInFlightPerSource,
                CopyDurationFor = copy =>
                {
                    if (durations.TryGetValue((copy.SourceImageId, copy.DestinationRegion), out var homeCopy))
                    {
                        sourceOfHomeCopy[copy.ImageId] = copy.SourceImageId;
                        return homeCopy;
                    }

                    return durations[(sourceOfHomeCopy[copy.SourceImageId], copy.DestinationRegion)];
                },
            });
        SetUpTargetAccounts(local, settings);

        // As in EC2, a copy takes longer the more snapshot GiB it moves: sizes log-uniform, durations growing with them, 10% noise.
        var random = new Random(settings.Seed);
        var images = new List<(string Region, string ImageId)>();
        var (logMin, logMax) = (Math.Log(settings.MinGiB), Math.Log(settings.MaxGiB));
        for (var i = 0; i < settings.Amis; i++)
        {
            var region = settings.BySource ? Sources[i * Sources.Count / settings.Amis] : Sources[i % Sources.Count];
            var share = random.NextDouble();
            var sizeGiB = (int)Math.Round(Math.Exp(logMin + (share * (logMax - logMin))));
            var imageId = local.Simulator.SeedImage(region, new SeedImage
            {
                Name = $"golden-{region}-{i:D4}",
                Tags = new Dictionary<string, string> { ["team"] = "platform" },
                Volumes = [new SeedVolume("/dev/xvda", sizeGiB)],
            });
            images.Add((region, imageId));
            foreach (var destination in settings.Destinations)
            {
                var minutes = settings.MinCopyMinutes + (share * (settings.MaxCopyMinutes - settings.MinCopyMinutes));
                var noisy = Math.Clamp(minutes * (0.9 + (0.2 * random.NextDouble())), settings.MinCopyMinutes, settings.MaxCopyMinutes);
                durations[(imageId, destination)] = TimeSpan.FromSeconds(Math.Round(noisy * 60));
            }
        }

        var scenario = new BurstScenario(settings, local, images, durations, harnessCalls ?? (() => new NoScope()));
        using (scenario._harnessCalls())
        {
            if (settings.Concurrency > 1 || settings.BatchSize > 10)
            {
                // Concurrent consumers, and a batch gathered from several receives, need what Lambda's queue has: a message received is
                // hidden from the other receives.
                await local.Sqs.SetQueueAttributesAsync(local.Queues.QueueUrl, new Dictionary<string, string> { ["VisibilityTimeout"] = "60" });
            }

            foreach (var batch in images.Chunk(10))
            {
                await local.Sqs.SendMessageBatchAsync(new SendMessageBatchRequest
                {
                    QueueUrl = local.Queues.QueueUrl,
                    Entries = batch.Select(s => new SendMessageBatchRequestEntry(s.ImageId, LocalReplication.AvailableEvent(s.Region, s.ImageId, s.ImageId))).ToList(),
                });
            }
        }

        return scenario;
    }

    /// <summary>
    /// Hands the queue's messages to the dispatcher as Lambda does, <see cref="BurstSettings.Concurrency"/> invocations at once,
    /// until none is left visible; answers the invocations made, the messages delivered and those failed.
    /// </summary>
    /// <param name="advanceClock">A second of virtual time per invocation, so the jobs of different batches have their own CreatedAt; and the
    /// batching window before a batch short of <see cref="BurstSettings.BatchSize"/> (without it, the caller has waited the window out).</param>
    /// <param name="function">The function the queue triggers: the replicator's dispatcher unless another is given (a baseline to compare with).</param>
    public async Task<(int Invocations, int Delivered, int Failed)> DispatchAllAsync(bool advanceClock, CancellationToken cancellationToken,
        Func<string, CancellationToken, Task<string>>? function = null)
    {
        var handler = function ?? Local.Replicator.Dispatcher.HandleJsonAsync;
        var (invocations, delivered, failed) = (0, 0, 0);
        async Task ConsumeAsync()
        {
            while (true)
            {
                var outcome = await Local.EventSource.PollOnceAsync(handler, cancellationToken, Settings.BatchSize, advanceClock ? WaitOutWindow : null);
                if (outcome.Delivered == 0)
                {
                    return;
                }

                Interlocked.Increment(ref invocations);
                Interlocked.Add(ref delivered, outcome.Delivered);
                Interlocked.Add(ref failed, outcome.FailedMessageIds.Count);
                if (advanceClock)
                {
                    Local.Clock.Advance(TimeSpan.FromSeconds(1));
                }
            }
        }

        await Task.WhenAll(Enumerable.Range(0, Settings.Concurrency).Select(_ => Task.Run(ConsumeAsync, cancellationToken)));
        return (invocations, delivered, failed);
    }

    /// <summary>
    /// A batch short of <see cref="BurstSettings.BatchSize"/> is handed over only when the batching window has passed since its first
    /// message; every message of a batch was in the queue when it was read (the burst enqueues first, copy events are enqueued when
    /// their window is over), so the window passes with the batch waiting.
    /// </summary>
    private void WaitOutWindow(int gathered)
    {
        if (gathered < Settings.BatchSize && Settings.BatchingWindowSeconds > 0)
        {
            Local.Clock.Advance(TimeSpan.FromSeconds(Settings.BatchingWindowSeconds));
        }
    }

    /// <summary>
    /// A poller pass every virtual minute until no job is active (or <see cref="BurstSettings.MaxMinutes"/> have passed). With
    /// <see cref="BurstSettings.CopyEvents"/>, virtual time also stops at every copy's end and its event is delivered then.
    /// </summary>
    /// <param name="afterPass">Called after every pass, with its virtual time (a test checks the jobs and counters there).</param>
    public async Task<BurstPasses> RunPollerAsync(Func<DateTimeOffset, Task>? afterPass, CancellationToken cancellationToken)
    {
        var startedAt = Local.Clock.GetUtcNow();
        _eventsForwarded = Local.Simulator.StateChanges().Count;
        var passTimes = new List<DateTimeOffset>();
        var passWallTimes = new List<TimeSpan>();
        var (eventDeliveries, failedDeliveries, pollerErrors) = (0, 0, 0);
        var done = false;
        while (!done && Local.Clock.GetUtcNow() - startedAt < TimeSpan.FromMinutes(Settings.MaxMinutes))
        {
            var nextPass = Local.Clock.GetUtcNow() + TimeSpan.FromMinutes(1);
            // A copy's event opens the batching window: the dispatcher gets it, with every event of the window, when the window closes.
            var window = TimeSpan.FromSeconds(Settings.BatchingWindowSeconds);
            while (Settings.CopyEvents && NextCompletion() is { } completion && completion + window < nextPass)
            {
                Local.Clock.SetUtcNow(completion + window);
                var (delivered, failed) = await DeliverCopyEventsAsync(cancellationToken);
                eventDeliveries += delivered;
                failedDeliveries += failed;
            }

            Local.Clock.SetUtcNow(nextPass);
            passTimes.Add(nextPass);
            async Task<TimeSpan> PassAsync()
            {
                var pass = Stopwatch.StartNew();
                try
                {
                    await Local.RunPollerAsync(cancellationToken);
                }
                catch (InvalidOperationException)
                {
                    Interlocked.Increment(ref pollerErrors);
                }

                return pass.Elapsed;
            }

            if (Settings.CopyEvents && window == TimeSpan.Zero)
            {
                // With concurrent invocations the poller's pass also runs while the events are being dispatched.
                var deliveries = DeliverCopyEventsAsync(cancellationToken);
                var pass = Settings.Concurrency > 1 ? PassAsync() : null;
                var (delivered, failed) = await deliveries;
                eventDeliveries += delivered;
                failedDeliveries += failed;
                passWallTimes.Add(await (pass ?? PassAsync()));
            }
            else
            {
                passWallTimes.Add(await PassAsync());
            }

            using (_harnessCalls())
            {
                if (afterPass is not null)
                {
                    await afterPass(nextPass);
                }

                done = await NothingActiveAsync(cancellationToken);
            }
        }

        return new BurstPasses(passTimes, passWallTimes, eventDeliveries, failedDeliveries, pollerErrors, done);
    }

    public ValueTask DisposeAsync() => Local.DisposeAsync();

    /// <summary>
    /// What the spoke stack deploys in each target account: the role the home account's functions assume, and the rule forwarding
    /// the account's AMIs' ends to the home account; none in the account without the role. The failing targets' settings.
    /// </summary>
    private static void SetUpTargetAccounts(LocalReplication local, BurstSettings settings)
    {
        var home = local.Simulator.AccountId;
        foreach (var accountId in settings.TargetAccounts.Where(a => a != settings.AccountWithoutRole))
        {
            var account = local.Simulator.Account(accountId);
            account.CreateRole(Target.DefaultRoleName, new RoleTrust(home));
            account.ForwardCopyEventsTo(home);
        }

        if (settings.AccountWithoutRegion is { } withoutRegion)
        {
            local.Simulator.Account(withoutRegion).SetRegionAccess(settings.Destinations[^1], RegionAccess.NotOptedIn);
        }
    }

    /// <summary>When the next pending copy ends (the simulator knows; EC2 would tell by its event).</summary>
    private DateTimeOffset? NextCompletion() => Local.Simulator.NextCopyCompletion();

    /// <summary>Sends the simulator's new state changes to the request queue and hands them to the dispatcher.</summary>
    private async Task<(int Delivered, int Failed)> DeliverCopyEventsAsync(CancellationToken cancellationToken)
    {
        var changes = Local.Simulator.StateChanges();
        using (_harnessCalls())
        {
            foreach (var batch in changes.Skip(_eventsForwarded).Chunk(10))
            {
                await Local.Sqs.SendMessageBatchAsync(new SendMessageBatchRequest
                {
                    QueueUrl = Local.Queues.QueueUrl,
                    Entries = batch.Select((c, i) => new SendMessageBatchRequestEntry($"c{i}", c.ToEventBridgeJson())).ToList(),
                }, cancellationToken);
            }
        }

        _eventsForwarded = changes.Count;
        var (_, delivered, failed) = await DispatchAllAsync(advanceClock: false, cancellationToken);
        return (delivered, failed);
    }

    /// <summary>
    /// True when no job of any destination is waiting, claimed or copying (read from the index, as the poller does). Every job of the
    /// burst exists once its AMIs' events are dispatched, so a destination found with none stays so and is not read again.
    /// </summary>
    private async Task<bool> NothingActiveAsync(CancellationToken cancellationToken)
    {
        var store = Local.Replicator.Store;
        _stillActive ??= [.. AllDestinationKeys];
        while (_stillActive.Count > 0)
        {
            var destination = _stillActive[^1];
            if ((await store.ListActiveAsync(destination, 1, cancellationToken)).Count > 0
                || (await Task.WhenAll(Sources.Select(s => store.ListWaitingAsync(destination, s, readyBy: null, 1, cancellationToken)))).Any(r => r.Count > 0))
            {
                return false;
            }

            _stillActive.RemoveAt(_stillActive.Count - 1);
        }

        return true;
    }

    private sealed class NoScope : IDisposable
    {
        public void Dispose()
        {
        }
    }
}
