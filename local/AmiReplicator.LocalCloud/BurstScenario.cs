using System.Diagnostics;
using Amazon.SQS.Model;
using AmiReplicator.Domain.Jobs;
using AmiReplicator.Domain.Slots;
using AmiReplicator.Ec2Simulator;

namespace AmiReplicator.LocalCloud;

/// <summary>
/// A burst: many AMIs become available at once in two source regions and are copied to several destinations through the real
/// handlers on the local cloud, at the seed's EC2 limits (50 per destination, 25 per source region) on the simulator, with the
/// policy's default budgets. The burst test runs a small one and checks it; `amirepl-local burst` runs a large one and measures it.
/// </summary>
public sealed class BurstScenario : IAsyncDisposable
{
    public static readonly IReadOnlyList<string> Sources = ["us-east-1", "us-west-2"];
    public static readonly IReadOnlyList<string> AllDestinations = ["eu-west-1", "eu-central-1", "ap-southeast-2", "us-east-2", "ap-northeast-1", "eu-north-1"];

    /// <summary>The seed's EC2 limits, which the policy's default budgets match.</summary>
    public static readonly SlotBudget SeedLimits = new(50, 25);

    private readonly Func<IDisposable> _harnessCalls;
    private int _eventsForwarded;

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

    public int JobCount => Images.Count * Settings.DestinationCount;

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
        var local = await LocalReplication.StartAsync(servers, settings.PolicyJson, o => o with
        {
            Regions = [.. Sources, .. AllDestinations],
            MaxConcurrentCopiesPerDestination = SeedLimits.MaxInFlight,
            MaxConcurrentCopiesPerSourceRegion = SeedLimits.MaxInFlightPerSource,
            CopyDurationFor = copy => durations[(copy.SourceImageId, copy.DestinationRegion)],
        });

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
            if (settings.Concurrency > 1)
            {
                // Concurrent consumers need what Lambda's queue has: a message being handled is hidden from the others.
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
    /// <param name="advanceClock">A second of virtual time per invocation, so the jobs of different batches have their own CreatedAt.</param>
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
                var outcome = await Local.EventSource.PollOnceAsync(handler, cancellationToken, Settings.BatchSize);
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
            while (Settings.CopyEvents && NextCompletion() is { } completion && completion < nextPass)
            {
                Local.Clock.SetUtcNow(completion);
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

            if (Settings.CopyEvents)
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

    /// <summary>When the next pending copy into a destination ends (the simulator knows; EC2 would tell by its event).</summary>
    private DateTimeOffset? NextCompletion() =>
        Settings.Destinations.SelectMany(Local.Simulator.Images)
            .Where(i => i is { State: "pending", SourceImageId: not null, CompletesAt: not null })
            .Select(i => i.CompletesAt)
            .Min();

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

    /// <summary>True when no job of any destination is waiting, claimed or copying (read from the index, as the poller does).</summary>
    private async Task<bool> NothingActiveAsync(CancellationToken cancellationToken)
    {
        var store = Local.Replicator.Store;
        foreach (var destination in Settings.Destinations)
        {
            if ((await store.ListActiveAsync(CopyDestination.Home(destination), 1, cancellationToken)).Count > 0
                || (await Task.WhenAll(Sources.Select(s => store.ListWaitingAsync(CopyDestination.Home(destination), s, readyBy: null, 1, cancellationToken)))).Any(r => r.Count > 0))
            {
                return false;
            }
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
