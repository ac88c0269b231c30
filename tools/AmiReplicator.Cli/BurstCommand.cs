using System.Collections.Concurrent;
using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using Amazon.DynamoDBv2.Model;
using Amazon.Runtime;
using Amazon.Runtime.Internal;
using Amazon.SQS.Model;
using AmiReplicator.Domain.Jobs;
using AmiReplicator.Domain.Workflows;
using AmiReplicator.Ec2Simulator;
using AmiReplicator.LocalCloud;

namespace AmiReplicator.Cli;

/// <summary>
/// `amirepl burst`: the scale benchmark. N AMIs become available at once in two source regions and are copied to four
/// destinations through the real handlers on the local cloud (DynamoDB Local, moto's SQS, the EC2 simulator with the
/// seed's limits on a virtual clock), with the policy's default budgets. Prints wall time, virtual time, throughput,
/// the AWS calls made, the peaks against the budgets, ResourceLimitExceeded answers and duplicate copies.
/// </summary>
internal static class BurstCommand
{
    private static readonly string[] Sources = ["us-east-1", "us-west-2"];
    private static readonly string[] AllDestinations = ["eu-west-1", "eu-central-1", "ap-southeast-2", "us-east-2", "ap-northeast-1", "eu-north-1"];
    private const int SeedMaxInFlight = 50;
    private const int SeedMaxInFlightPerSource = 25;

    private sealed record Settings(int Amis, int Seed, int MinCopyMinutes, int MaxCopyMinutes, int BatchSize, bool CopyEvents, int MaxMinutes,
        int Concurrency, bool BySource, int DestinationCount, int MinGiB, int MaxGiB)
    {
        public string[] Destinations => AllDestinations[..DestinationCount];

        public string PolicyJson =>
            """{"destinations":[""" + string.Join(",", Destinations.Select(d => $$"""{"region":"{{d}}"}""")) + "],"
            + "\"sourceRegions\":[\"us-east-1\",\"us-west-2\"],\"tags\":{\"copied-by\":\"ami-replicator\"}}";
    }

    public static Command Create()
    {
        var amis = new Option<int>("--amis") { Description = "AMIs in the burst, alternating between the two source regions (each is copied to 4 destinations).", DefaultValueFactory = _ => 400 };
        var seed = new Option<int>("--seed") { Description = "Seed of the copy durations.", DefaultValueFactory = _ => 20261125 };
        var minMinutes = new Option<int>("--min-copy-minutes") { Description = "Shortest copy.", DefaultValueFactory = _ => 3 };
        var maxMinutes = new Option<int>("--max-copy-minutes") { Description = "Longest copy (durations are uniform between the two).", DefaultValueFactory = _ => 20 };
        var batch = new Option<int>("--batch-size") { Description = "SQS messages per dispatcher invocation (Lambda's batch size).", DefaultValueFactory = _ => 10 };
        var events = new Option<bool>("--copy-events") { Description = "Also deliver each copy's own 'EC2 AMI State Change' to the dispatcher when the copy ends (as the stack's rule does)." };
        var limit = new Option<int>("--max-minutes") { Description = "Give up after this many virtual minutes.", DefaultValueFactory = _ => 24 * 60 };
        var order = new Option<string>("--order") { Description = "interleaved: the sources' AMIs alternate in the queue; by-source: all of us-east-1's, then all of us-west-2's.", DefaultValueFactory = _ => "interleaved" };
        order.AcceptOnlyFromAmong("interleaved", "by-source");
        var destinations = new Option<int>("--destinations") { Description = $"Destinations, the first of {string.Join(", ", AllDestinations)}.", DefaultValueFactory = _ => 4 };
        var minGiB = new Option<int>("--min-gib") { Description = "Smallest AMI (snapshot GiB); sizes are drawn log-uniformly.", DefaultValueFactory = _ => 8 };
        var maxGiB = new Option<int>("--max-gib") { Description = "Largest AMI (snapshot GiB). A copy's duration grows with its size, from --min-copy-minutes to --max-copy-minutes, give or take 10%.", DefaultValueFactory = _ => 512 };
        var concurrency = new Option<int>("--concurrency") { Description = "Dispatcher invocations running at once (Lambda's concurrency for the SQS trigger).", DefaultValueFactory = _ => 1 };
        var command = new Command("burst", "Benchmark: a burst of AMIs from two source regions to four destinations through the real handlers on the local cloud.")
        {
            amis, seed, minMinutes, maxMinutes, batch, events, limit, concurrency, order, destinations, minGiB, maxGiB,
        };
        command.SetAction((parse, cancellationToken) => RunAsync(
            new Settings(parse.GetValue(amis), parse.GetValue(seed), parse.GetValue(minMinutes), parse.GetValue(maxMinutes),
                parse.GetValue(batch), parse.GetValue(events), parse.GetValue(limit), parse.GetValue(concurrency),
                parse.GetValue(order) == "by-source", parse.GetValue(destinations), parse.GetValue(minGiB), parse.GetValue(maxGiB)),
            Console.Out, cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(Settings settings, TextWriter output, CancellationToken cancellationToken)
    {
        if (settings.Amis < 1 || settings.MinCopyMinutes < 1 || settings.MaxCopyMinutes < settings.MinCopyMinutes || settings.BatchSize is < 1 or > 10
            || settings.Concurrency < 1 || settings.DestinationCount is < 1 or > 6 || settings.MinGiB < 1 || settings.MaxGiB < settings.MinGiB)
        {
            output.WriteLine("burst: --amis >= 1, 1 <= --min-copy-minutes <= --max-copy-minutes, 1 <= --batch-size <= 10, --concurrency >= 1, 1 <= --destinations <= 6, 1 <= --min-gib <= --max-gib");
            return 2;
        }

        var destinations = settings.Destinations;

        var calls = new CallCounter();
        RuntimePipelineCustomizerRegistry.Instance.Register(calls);

        output.WriteLine("Starting the local cloud (DynamoDB Local, moto) ...");
        await using var servers = await LocalCloudServers.StartAsync();
        var durations = new Dictionary<(string SourceImageId, string Destination), TimeSpan>();
        await using var local = await LocalReplication.StartAsync(servers, settings.PolicyJson, o => o with
        {
            Regions = [.. Sources, .. AllDestinations],
            MaxConcurrentCopiesPerDestination = SeedMaxInFlight,
            MaxConcurrentCopiesPerSourceRegion = SeedMaxInFlightPerSource,
            CopyDurationFor = copy => durations[(copy.SourceImageId, copy.DestinationRegion)],
        });
        var budgets = destinations.Select(d => local.Replicator.Settings.Policy.BudgetFor(d)).Distinct().Single();

        // As in EC2, a copy takes longer the more snapshot GiB it moves: sizes log-uniform, durations growing with them, 10% noise.
        var random = new Random(settings.Seed);
        var sources = new List<(string Region, string ImageId)>();
        var (logMin, logMax) = (Math.Log(settings.MinGiB), Math.Log(settings.MaxGiB));
        for (var i = 0; i < settings.Amis; i++)
        {
            var region = settings.BySource ? Sources[i * Sources.Length / settings.Amis] : Sources[i % Sources.Length];
            var share = random.NextDouble();
            var sizeGiB = (int)Math.Round(Math.Exp(logMin + (share * (logMax - logMin))));
            var imageId = local.Simulator.SeedImage(region, new SeedImage
            {
                Name = $"golden-{region}-{i:D4}",
                Tags = new Dictionary<string, string> { ["team"] = "platform" },
                Volumes = [new SeedVolume("/dev/xvda", sizeGiB)],
            });
            sources.Add((region, imageId));
            foreach (var destination in destinations)
            {
                var minutes = settings.MinCopyMinutes + (share * (settings.MaxCopyMinutes - settings.MinCopyMinutes));
                var noisy = Math.Clamp(minutes * (0.9 + (0.2 * random.NextDouble())), settings.MinCopyMinutes, settings.MaxCopyMinutes);
                durations[(imageId, destination)] = TimeSpan.FromSeconds(Math.Round(noisy * 60));
            }
        }

        using (CallCounter.Harness())
        {
            if (settings.Concurrency > 1)
            {
                // Concurrent consumers need what Lambda's queue has: a message being handled is hidden from the others.
                await local.Sqs.SetQueueAttributesAsync(local.Queues.QueueUrl, new Dictionary<string, string> { ["VisibilityTimeout"] = "60" }, cancellationToken);
            }

            foreach (var batch in sources.Chunk(10))
            {
                await local.Sqs.SendMessageBatchAsync(new SendMessageBatchRequest
                {
                    QueueUrl = local.Queues.QueueUrl,
                    Entries = batch.Select(s => new SendMessageBatchRequestEntry(s.ImageId, LocalReplication.AvailableEvent(s.Region, s.ImageId, s.ImageId))).ToList(),
                }, cancellationToken);
            }
        }

        var jobCount = settings.Amis * destinations.Length;
        output.WriteLine($"Burst: {settings.Amis} AMIs ({string.Join(" + ", Sources)}) x {destinations.Length} destinations = {jobCount} jobs; budgets {budgets.MaxInFlight}/{budgets.MaxInFlightPerSource}, " +
            $"EC2 limits {SeedMaxInFlight}/{SeedMaxInFlightPerSource}; copies {settings.MinCopyMinutes}..{settings.MaxCopyMinutes} min (seed {settings.Seed}); " +
            $"AMIs {settings.MinGiB}..{settings.MaxGiB} GiB; dispatcher batches of {settings.BatchSize}, {settings.Concurrency} at once; AMIs {(settings.BySource ? "by source" : "interleaved")}; copy events {(settings.CopyEvents ? "delivered" : "not delivered (poller only)")}");
        calls.Reset();
        var startedAt = local.Clock.GetUtcNow();
        var wall = Stopwatch.StartNew();

        // Dispatch: every event is in the queue; the dispatcher takes batch after batch, a second of virtual time apart.
        var (invocations, _, failedDeliveries) = await DispatchAllAsync(local, settings, advanceClock: true, cancellationToken);

        var dispatchWall = wall.Elapsed;
        var dispatchCalls = calls.ProductTotal("DynamoDB");

        // Then a poller pass every virtual minute until nothing is active. With --copy-events, virtual time also stops
        // at every copy's completion and its event is delivered to the dispatcher then, as the stack's rule would.
        var passes = new List<TimeSpan>();
        var passTimes = new List<DateTimeOffset>();
        var forwarded = local.Simulator.StateChanges().Count;
        var eventDeliveries = 0;
        var pollerErrors = 0;
        var done = false;
        while (!done && local.Clock.GetUtcNow() - startedAt < TimeSpan.FromMinutes(settings.MaxMinutes))
        {
            var nextPass = local.Clock.GetUtcNow() + TimeSpan.FromMinutes(1);
            while (settings.CopyEvents && NextCompletion(local, destinations) is { } completion && completion < nextPass)
            {
                local.Clock.SetUtcNow(completion);
                (forwarded, var delivered, var failed) = await DeliverCopyEventsAsync(local, forwarded, settings, cancellationToken);
                eventDeliveries += delivered;
                failedDeliveries += failed;
            }

            local.Clock.SetUtcNow(nextPass);
            passTimes.Add(nextPass);
            async Task<TimeSpan> PassAsync()
            {
                var pass = Stopwatch.StartNew();
                try
                {
                    await local.RunPollerAsync(cancellationToken);
                }
                catch (InvalidOperationException)
                {
                    Interlocked.Increment(ref pollerErrors);
                }

                return pass.Elapsed;
            }

            if (settings.CopyEvents)
            {
                // With concurrent invocations the poller's pass also runs while the events are being dispatched.
                var deliveries = DeliverCopyEventsAsync(local, forwarded, settings, cancellationToken);
                var pass = settings.Concurrency > 1 ? PassAsync() : null;
                (forwarded, var delivered, var failed) = await deliveries;
                eventDeliveries += delivered;
                failedDeliveries += failed;
                passes.Add(await (pass ?? PassAsync()));
            }
            else
            {
                passes.Add(await PassAsync());
            }

            using (CallCounter.Harness())
            {
                done = await NothingActiveAsync(local, destinations, cancellationToken);
            }
        }

        wall.Stop();
        var virtualTime = local.Clock.GetUtcNow() - startedAt;
        var productCalls = calls.Snapshot(harness: false);

        // Verification (not timed): every job, every copy, every counter.
        var jobs = await local.JobsAsync();
        var counters = await local.CountersAsync();
        var byState = jobs.GroupBy(j => j.State).ToDictionary(g => g.Key, g => g.Count());
        var duplicates = destinations.Sum(d => local.Simulator.Images(d)
            .Where(i => i.SourceImageId is not null)
            .GroupBy(i => (i.SourceRegion, i.SourceImageId))
            .Sum(g => g.Count() - 1));
        var copyImageCalls = destinations.Sum(d => local.Simulator.CallCount(d, "CopyImage"));
        var limitErrors = destinations.Concat(Sources).Sum(r => local.Simulator.ErrorCount(r, "ResourceLimitExceeded"));
        var counterLeft = counters.Where(c => c.InFlight != 0 || c.Holders.Count != 0).ToList();
        var peaksOk = destinations.All(d => local.Simulator.PeakPendingCopies(d) <= budgets.MaxInFlight
            && Sources.All(s => local.Simulator.PeakPendingCopies(s, d) <= budgets.MaxInFlightPerSource));
        var waitedMinutes = jobs.Where(j => j.CopyStartedAt is not null).Select(j => (j.CopyStartedAt!.Value - j.CreatedAt).TotalMinutes).Order().ToList();

        var idle = IdleWhileWaiting(jobs, passTimes, startedAt, budgets);
        var dynamoCalls = productCalls.Where(c => c.Key.Service == "DynamoDB").Sum(c => c.Value);
        var ec2Calls = productCalls.Where(c => c.Key.Service == "EC2").Sum(c => c.Value);
        var invariant = CultureInfo.InvariantCulture;
        output.WriteLine();
        output.WriteLine(string.Create(invariant, $"| measure | value |"));
        output.WriteLine("|---|---|");
        Row(output, "machine", Machine());
        Row(output, "jobs", $"{jobCount} ({string.Join(", ", byState.OrderBy(s => s.Key).Select(s => $"{s.Key.ToString().ToUpperInvariant()} {s.Value}"))})");
        Row(output, "wall time", string.Create(invariant, $"{wall.Elapsed.TotalSeconds:F1} s (dispatch {dispatchWall.TotalSeconds:F1} s for {invocations} invocations, poller {passes.Sum(p => p.TotalSeconds):F1} s for {passes.Count} passes)"));
        Row(output, "virtual time to finish", string.Create(invariant, $"{virtualTime.TotalMinutes:F0} min"));
        var (makespan, bound) = Makespan(local, jobs, durations, budgets, startedAt);
        Row(output, "makespan / lower bound", string.Create(invariant, $"{makespan.TotalMinutes:F1} min / {bound.TotalMinutes:F1} min = {makespan / bound:F3}"));
        Row(output, "jobs/s (wall)", string.Create(invariant, $"{jobCount / wall.Elapsed.TotalSeconds:F1}"));
        Row(output, "jobs/virtual hour", string.Create(invariant, $"{jobCount / virtualTime.TotalHours:F0}"));
        Row(output, "poller pass (wall)", passes.Count == 0 ? "-" : string.Create(invariant, $"mean {passes.Average(p => p.TotalMilliseconds):F0} ms, max {passes.Max(p => p.TotalMilliseconds):F0} ms"));
        Row(output, "wait before start (virtual)", waitedMinutes.Count == 0 ? "-" : string.Create(invariant, $"median {waitedMinutes[waitedMinutes.Count / 2]:F0} min, max {waitedMinutes[^1]:F0} min"));
        Row(output, "a free slot idled while work waited", string.Create(invariant,
            $"{idle.Count} of {idle.Checked} (pass, destination, source) checks{(idle.Count == 0 ? "" : $"; first {idle.First}")}"));
        Row(output, "DynamoDB calls (product)", string.Create(invariant, $"{dynamoCalls} ({(double)dynamoCalls / jobCount:F1} per job; dispatch {dispatchCalls}): {Breakdown(productCalls, calls, "DynamoDB")}"));
        Row(output, "items read by the product's Queries", string.Create(invariant, $"{calls.ItemsQueried} ({(double)calls.ItemsQueried / jobCount:F0} per job)"));
        var rest = wall.Elapsed - calls.ProductTime("DynamoDB") - calls.ProductTime("EC2") - calls.ProductTime("SQS");
        Row(output, "wall time inside calls", string.Create(invariant,
            $"DynamoDB {calls.ProductTime("DynamoDB").TotalSeconds:F1} s, EC2 simulator {calls.ProductTime("EC2").TotalSeconds:F1} s, SQS (moto, event source) {calls.ProductTime("SQS").TotalSeconds:F1} s") +
            (settings.Concurrency == 1 ? string.Create(invariant, $"; the rest (handlers, JSON, logging, harness) {rest.TotalSeconds:F1} s") : " (summed over concurrent calls)"));
        Row(output, "EC2 calls (product)", string.Create(invariant, $"{ec2Calls} ({(double)ec2Calls / jobCount:F1} per job): {Breakdown(productCalls, calls, "EC2")}"));
        Row(output, "AWS calls per copy (DynamoDB + EC2 + SQS sent by the product)", string.Create(invariant,
            $"{(double)productCalls.Where(c => c.Key.Service != "SQS" || c.Key.Operation.StartsWith("Send", StringComparison.Ordinal)).Sum(c => c.Value) / jobCount:F2}"));
        Row(output, "peak in flight per destination (EC2's view) / budget", string.Join(", ", destinations.Select(d => $"{d} {local.Simulator.PeakPendingCopies(d)}/{budgets.MaxInFlight}")));
        Row(output, "peak in flight per source->destination / budget", string.Join(", ", destinations.SelectMany(d => Sources.Select(s => $"{s}->{d} {local.Simulator.PeakPendingCopies(s, d)}/{budgets.MaxInFlightPerSource}"))));
        Row(output, "ResourceLimitExceeded answered", limitErrors.ToString(invariant));
        Row(output, "duplicate copies", string.Create(invariant, $"{duplicates} (CopyImage calls {copyImageCalls} for {jobCount} jobs)"));
        Row(output, "counters at the end", counterLeft.Count == 0 ? $"all {counters.Count} at 0, no holders" : string.Join(", ", counterLeft.Select(c => $"{c.Scope} {c.InFlight} ({c.Holders.Count} holders)")));
        var logLines = local.Log.ToString().Split('\n');
        Row(output, "log lines at Warning / Error", string.Create(invariant,
            $"{logLines.Count(l => l.Contains("\"level\":\"WARN\"", StringComparison.Ordinal))} / {logLines.Count(l => l.Contains("\"level\":\"ERROR\"", StringComparison.Ordinal))}"));
        Row(output, "failed deliveries / poller errors", string.Create(invariant, $"{failedDeliveries} / {pollerErrors}{(settings.CopyEvents ? $" (copy events delivered: {eventDeliveries})" : "")}"));

        var ok = jobs.Count == jobCount && jobs.All(j => j.State == CopyJobState.Available) && limitErrors == 0 && duplicates == 0
            && counterLeft.Count == 0 && peaksOk && done;
        output.WriteLine();
        output.WriteLine(ok
            ? "OK: every job AVAILABLE, no ResourceLimitExceeded, no duplicate copy, peaks within the budgets, every counter at 0."
            : "NOT OK: see the table above.");
        return ok ? 0 : 1;
    }

    /// <summary>
    /// Replays the jobs' timestamps as they stood after every poller pass: counts the (pass, destination, source)
    /// where jobs of the source waited while both its pair and its destination had a free slot, which a work-conserving
    /// replicator never lets happen (there is no back-pressure in the burst: the budgets are within EC2's limits).
    /// </summary>
    private static (int Count, int Checked, string? First) IdleWhileWaiting(IReadOnlyList<CopyJob> jobs, IReadOnlyList<DateTimeOffset> passTimes, DateTimeOffset from, AmiReplicator.Domain.Policy.SlotBudget budget)
    {
        var (count, checkedCount) = (0, 0);
        string? first = null;
        foreach (var t in passTimes)
        {
            foreach (var destination in jobs.GroupBy(j => j.Key.DestinationRegion))
            {
                bool Holds(CopyJob j) => j.CopyStartedAt <= t && !(j.CompletedAt <= t);
                var inFlight = destination.Count(Holds);
                foreach (var source in destination.GroupBy(j => j.Key.SourceRegion))
                {
                    var waiting = source.Count(j => j.CreatedAt <= t && !(j.CopyStartedAt <= t));
                    var pairInFlight = source.Count(Holds);
                    checkedCount++;
                    if (waiting > 0 && inFlight < budget.MaxInFlight && pairInFlight < budget.MaxInFlightPerSource)
                    {
                        count++;
                        first ??= string.Create(CultureInfo.InvariantCulture,
                            $"at +{(t - from).TotalMinutes:F0} min {waiting} {source.Key} jobs waited for {destination.Key} with {inFlight}/{budget.MaxInFlight} and {pairInFlight}/{budget.MaxInFlightPerSource} in flight");
                    }
                }
            }
        }

        return (count, checkedCount, first);
    }

    /// <summary>
    /// From the first event to the last copy's end, against the exact lower bound for the copy durations drawn: no schedule can
    /// end before the longest copy, nor before a destination's (or a pair's) copies have run end to end within its budget.
    /// </summary>
    private static (TimeSpan Makespan, TimeSpan Bound) Makespan(LocalReplication local, IReadOnlyList<CopyJob> jobs,
        Dictionary<(string SourceImageId, string Destination), TimeSpan> durations, AmiReplicator.Domain.Policy.SlotBudget budget, DateTimeOffset startedAt)
    {
        var end = jobs.Max(j => local.Simulator.FindImage(j.Key.DestinationRegion, j.TargetImageId ?? "")?.CompletesAt ?? j.CompletedAt ?? startedAt);
        var copies = jobs.Select(j => (j.Key, Duration: durations[(j.Key.SourceImageId, j.Key.DestinationRegion)])).ToList();
        var bound = new[]
        {
            copies.Max(c => c.Duration),
            copies.GroupBy(c => c.Key.DestinationRegion).Max(g => g.Aggregate(TimeSpan.Zero, (sum, c) => sum + c.Duration) / budget.MaxInFlight),
            copies.GroupBy(c => (c.Key.SourceRegion, c.Key.DestinationRegion)).Max(g => g.Aggregate(TimeSpan.Zero, (sum, c) => sum + c.Duration) / budget.MaxInFlightPerSource),
        }.Max();
        return (end - startedAt, bound);
    }

    /// <summary>When the next pending copy into a destination ends (the simulator knows; EC2 would tell by its event).</summary>
    private static DateTimeOffset? NextCompletion(LocalReplication local, IReadOnlyList<string> destinations) =>
        destinations.SelectMany(local.Simulator.Images)
            .Where(i => i is { State: "pending", SourceImageId: not null, CompletesAt: not null })
            .Select(i => i.CompletesAt)
            .Min();

    /// <summary>Sends the simulator's new state changes to the request queue and hands them to the dispatcher.</summary>
    private static async Task<(int Forwarded, int Delivered, int Failed)> DeliverCopyEventsAsync(
        LocalReplication local, int forwarded, Settings settings, CancellationToken cancellationToken)
    {
        var changes = local.Simulator.StateChanges();
        using (CallCounter.Harness())
        {
            foreach (var batch in changes.Skip(forwarded).Chunk(10))
            {
                await local.Sqs.SendMessageBatchAsync(new SendMessageBatchRequest
                {
                    QueueUrl = local.Queues.QueueUrl,
                    Entries = batch.Select((c, i) => new SendMessageBatchRequestEntry($"c{i}", c.ToEventBridgeJson())).ToList(),
                }, cancellationToken);
            }
        }

        var (_, delivered, failed) = await DispatchAllAsync(local, settings, advanceClock: false, cancellationToken);
        return (changes.Count, delivered, failed);
    }

    /// <summary>
    /// Hands the queue's messages to the dispatcher as Lambda does, <see cref="Settings.Concurrency"/> invocations at
    /// once, until none is left visible; answers the invocations made, the messages delivered and those failed.
    /// </summary>
    private static async Task<(int Invocations, int Delivered, int Failed)> DispatchAllAsync(LocalReplication local, Settings settings, bool advanceClock, CancellationToken cancellationToken)
    {
        var (invocations, delivered, failed) = (0, 0, 0);
        async Task ConsumeAsync()
        {
            while (true)
            {
                var outcome = await local.EventSource.PollOnceAsync(local.Replicator.Dispatcher.HandleJsonAsync, cancellationToken, settings.BatchSize);
                if (outcome.Delivered == 0)
                {
                    return;
                }

                Interlocked.Increment(ref invocations);
                Interlocked.Add(ref delivered, outcome.Delivered);
                Interlocked.Add(ref failed, outcome.FailedMessageIds.Count);
                if (advanceClock)
                {
                    // A second of virtual time per invocation, so jobs of different batches have their own CreatedAt.
                    local.Clock.Advance(TimeSpan.FromSeconds(1));
                }
            }
        }

        await Task.WhenAll(Enumerable.Range(0, settings.Concurrency).Select(_ => Task.Run(ConsumeAsync, cancellationToken)));
        return (invocations, delivered, failed);
    }

    /// <summary>True when no job of any destination is waiting, claimed or copying (read from the index, as the poller does).</summary>
    private static async Task<bool> NothingActiveAsync(LocalReplication local, IReadOnlyList<string> destinations, CancellationToken cancellationToken)
    {
        foreach (var destination in destinations)
        {
            if ((await local.Replicator.Store.ListActiveAsync(destination, 1, cancellationToken)).Count > 0
                || await AnyAsync(Sources.Select(s => local.Replicator.Store.ListWaitingAsync(destination, s, readyBy: null, 1, cancellationToken))))
            {
                return false;
            }
        }

        return true;

        static async Task<bool> AnyAsync(IEnumerable<Task<IReadOnlyList<CopyJob>>> reads) => (await Task.WhenAll(reads)).Any(r => r.Count > 0);
    }

    private static void Row(TextWriter output, string measure, string value) => output.WriteLine($"| {measure} | {value} |");

    private static string Breakdown(Dictionary<(string Service, string Operation), int> calls, CallCounter counter, string service) =>
        string.Join(", ", calls.Where(c => c.Key.Service == service).OrderByDescending(c => c.Value).Select(c =>
            string.Create(CultureInfo.InvariantCulture, $"{c.Key.Operation} {c.Value} ({counter.ProductTime(service, c.Key.Operation).TotalMilliseconds / c.Value:F1} ms each)")));

    private static string Machine()
    {
        var cpu = File.Exists("/proc/cpuinfo")
            ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim()
            : null;
        return $"{Environment.ProcessorCount} cores{(cpu is null ? "" : $" ({cpu})")}, {RuntimeInformation.OSDescription}, .NET {Environment.Version}";
    }

    /// <summary>
    /// Counts the AWS SDK calls of every client created after it is registered, by service and operation (one per
    /// logical call: the SDK's own retries are inside it). Calls made inside <see cref="Harness"/> are the benchmark's own.
    /// </summary>
    private sealed class CallCounter : IRuntimePipelineCustomizer
    {
        private static readonly AsyncLocal<bool> InHarness = new();
        private readonly ConcurrentDictionary<(string Service, string Operation, bool Harness), int> _calls = new();
        private readonly ConcurrentDictionary<(string Service, string Operation, bool Harness), TimeSpan> _time = new();

        private long _itemsQueried;

        public string UniqueName => "amirepl-burst-call-counter";

        /// <summary>Items the product's Query calls returned (a full waiting list read is one call, many items).</summary>
        public long ItemsQueried => Interlocked.Read(ref _itemsQueried);

        public TimeSpan ProductTime(string service) => _time.Where(t => t.Key.Service == service && !t.Key.Harness).Aggregate(TimeSpan.Zero, (sum, t) => sum + t.Value);

        public static IDisposable Harness()
        {
            InHarness.Value = true;
            return new EndHarness();
        }

        public void Customize(Type type, RuntimePipeline pipeline) =>
            pipeline.AddHandler(new CountingHandler(this, type.Name.Replace("Amazon", "", StringComparison.Ordinal).Replace("Client", "", StringComparison.Ordinal)));

        public void Reset()
        {
            _calls.Clear();
            _time.Clear();
            Interlocked.Exchange(ref _itemsQueried, 0);
        }

        /// <summary>Total wall time spent in the product's calls of one operation (the SDK's retries included).</summary>
        public TimeSpan ProductTime(string service, string operation) => _time.GetValueOrDefault((service, operation, false));

        public int ProductTotal(string service) => _calls.Where(c => c.Key.Service == service && !c.Key.Harness).Sum(c => c.Value);

        public Dictionary<(string Service, string Operation), int> Snapshot(bool harness) =>
            _calls.Where(c => c.Key.Harness == harness).ToDictionary(c => (c.Key.Service, c.Key.Operation), c => c.Value);

        private void Count(string service, string operation, TimeSpan elapsed)
        {
            var key = (service, operation, InHarness.Value);
            _calls.AddOrUpdate(key, 1, (_, n) => n + 1);
            _time.AddOrUpdate(key, elapsed, (_, t) => t + elapsed);
        }

        private sealed class EndHarness : IDisposable
        {
            public void Dispose() => InHarness.Value = false;
        }

        private sealed class CountingHandler(CallCounter counter, string service) : PipelineHandler
        {
            public override async Task<T> InvokeAsync<T>(IExecutionContext executionContext)
            {
                var started = Stopwatch.GetTimestamp();
                try
                {
                    var response = await base.InvokeAsync<T>(executionContext);
                    if (response is QueryResponse query && !InHarness.Value)
                    {
                        Interlocked.Add(ref counter._itemsQueried, query.Items?.Count ?? 0);
                    }

                    return response;
                }
                finally
                {
                    counter.Count(service, executionContext.RequestContext.OriginalRequest.GetType().Name.Replace("Request", "", StringComparison.Ordinal), Stopwatch.GetElapsedTime(started));
                }
            }
        }
    }
}
