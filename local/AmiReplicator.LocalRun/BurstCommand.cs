using System.Collections.Concurrent;
using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using Amazon.DynamoDBv2.Model;
using Amazon.Runtime;
using Amazon.Runtime.Internal;
using AmiReplicator.Domain.Jobs;
using AmiReplicator.Domain.Policy;
using AmiReplicator.Domain.Slots;
using AmiReplicator.LocalCloud;

namespace AmiReplicator.LocalRun;

/// <summary>
/// `amirepl-local burst`: the scale benchmark. N AMIs become available at once in two source regions and are copied to four
/// destinations through the real handlers on the local cloud (DynamoDB Local, moto's SQS, the EC2 simulator with the
/// seed's limits on a virtual clock), with the policy's default budgets. Prints wall time, virtual time, throughput,
/// the AWS calls made, the peaks against the budgets, ResourceLimitExceeded answers and duplicate copies.
/// </summary>
internal static class BurstCommand
{
    /// <summary>
    /// What a target account's copy costs at least, its own event finishing it: the claim transaction, the home job read twice (whether
    /// its copy is available, then which image to copy), DescribeImages of the home copy, its launch permission and its snapshot's
    /// createVolumePermission, CopyImage, recording COPYING, the copy's event (DescribeImages of the copy, the job's GetItem) and the
    /// finishing transaction. The preflight (AssumeRole, a DescribeImages probe, DescribeKey) is per account and region, not per copy.
    /// </summary>
    private const int TargetCopyCallFloor = 11;

    public static Command Create()
    {
        var defaults = new BurstSettings();
        var amis = new Option<int>("--amis") { Description = "AMIs in the burst, alternating between the two source regions (each is copied to every destination).", DefaultValueFactory = _ => defaults.Amis };
        var seed = new Option<int>("--seed") { Description = "Seed of the sizes and copy durations.", DefaultValueFactory = _ => defaults.Seed };
        var minMinutes = new Option<int>("--min-copy-minutes") { Description = "Shortest copy.", DefaultValueFactory = _ => defaults.MinCopyMinutes };
        var maxMinutes = new Option<int>("--max-copy-minutes") { Description = "Longest copy (durations are uniform between the two).", DefaultValueFactory = _ => defaults.MaxCopyMinutes };
        var batch = new Option<int>("--batch-size") { Description = "SQS messages per dispatcher invocation at most (Lambda's batch size, up to 10000; above 10 with a batching window). Default: the stack's.", DefaultValueFactory = _ => defaults.BatchSize };
        var window = new Option<int>("--batching-window") { Description = "Seconds the event source gathers messages before invoking the dispatcher with fewer than a batch (Lambda's MaximumBatchingWindowInSeconds). Default: the stack's.", DefaultValueFactory = _ => defaults.BatchingWindowSeconds };
        var pageSize = new Option<int>("--poller-page-size") { Description = "Most jobs the poller reads per destination and state in one pass.", DefaultValueFactory = _ => defaults.PollerPageSize };
        var events = new Option<bool>("--copy-events") { Description = "Also deliver each copy's own 'EC2 AMI State Change' to the dispatcher when the copy ends (as the stack's rule does)." };
        var limit = new Option<int>("--max-minutes") { Description = "Give up after this many virtual minutes.", DefaultValueFactory = _ => defaults.MaxMinutes };
        var order = new Option<string>("--order") { Description = "interleaved: the sources' AMIs alternate in the queue; by-source: all of us-east-1's, then all of us-west-2's.", DefaultValueFactory = _ => "interleaved" };
        order.AcceptOnlyFromAmong("interleaved", "by-source");
        var destinations = new Option<int>("--destinations") { Description = $"Destinations, the first of {string.Join(", ", BurstScenario.AllDestinations)}.", DefaultValueFactory = _ => defaults.DestinationCount };
        var minGiB = new Option<int>("--min-gib") { Description = "Smallest AMI (snapshot GiB); sizes are drawn log-uniformly.", DefaultValueFactory = _ => defaults.MinGiB };
        var maxGiB = new Option<int>("--max-gib") { Description = "Largest AMI (snapshot GiB). A copy's duration grows with its size, from --min-copy-minutes to --max-copy-minutes, give or take 10%.", DefaultValueFactory = _ => defaults.MaxGiB };
        var concurrency = new Option<int>("--concurrency") { Description = "Dispatcher invocations running at once (Lambda's concurrency for the SQS trigger).", DefaultValueFactory = _ => defaults.Concurrency };
        var baseline = new Option<string>("--baseline") { Description = "naive: then run the same burst through a copy-on-event function with no budget (CopyImage on every event, SDK retries only) on a fresh simulator, and print both side by side.", DefaultValueFactory = _ => "none" };
        baseline.AcceptOnlyFromAmong("none", "naive");
        var accounts = new Option<int>("--accounts") { Description = "Target accounts (200000000001, ...), each getting its own copy of every AMI in every destination through its spoke role.", DefaultValueFactory = _ => defaults.Accounts };
        var failingTargets = new Option<bool>("--failing-targets") { Description = "Of the target accounts, the first has no spoke role, the second has not enabled the last destination, the third's key in the first destination is refused: their jobs must end FAILED with ROLE_DENIED, REGION_NOT_ENABLED, KMS_DENIED." };
        var plot = new Option<string?>("--plot") { Description = "Write a PNG of the copies in flight per destination over virtual time against the budget (one panel per run), and the series as CSV beside it." };
        var command = new Command("burst", "Benchmark: a burst of AMIs from two source regions to four destinations through the real handlers on the local cloud.")
        {
            amis, seed, minMinutes, maxMinutes, batch, window, pageSize, events, limit, concurrency, order, destinations, minGiB, maxGiB, accounts, failingTargets, baseline, plot,
        };
        command.SetAction((parse, cancellationToken) => RunAsync(
            new BurstSettings(Amis: parse.GetValue(amis), DestinationCount: parse.GetValue(destinations), MinCopyMinutes: parse.GetValue(minMinutes),
                MaxCopyMinutes: parse.GetValue(maxMinutes), MinGiB: parse.GetValue(minGiB), MaxGiB: parse.GetValue(maxGiB), BatchSize: parse.GetValue(batch),
                BatchingWindowSeconds: parse.GetValue(window), PollerPageSize: parse.GetValue(pageSize),
                Concurrency: parse.GetValue(concurrency), CopyEvents: parse.GetValue(events), BySource: parse.GetValue(order) == "by-source",
                MaxMinutes: parse.GetValue(limit), Seed: parse.GetValue(seed), Accounts: parse.GetValue(accounts), FailingTargets: parse.GetValue(failingTargets)),
            parse.GetValue(baseline) == "naive", parse.GetValue(plot), Console.Out, cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(BurstSettings settings, bool naiveBaseline, string? plotPath, TextWriter output, CancellationToken cancellationToken)
    {
        if (settings.Problem is { } problem)
        {
            output.WriteLine($"burst: {problem}");
            return 2;
        }

        if (settings.Accounts > 0 && (naiveBaseline || plotPath is not null))
        {
            output.WriteLine("burst: --baseline and --plot compare the home account's destinations only: not with --accounts");
            return 2;
        }

        var destinations = settings.Destinations;
        var sources = BurstScenario.Sources;

        var calls = new CallCounter();
        RuntimePipelineCustomizerRegistry.Instance.Register(calls);

        output.WriteLine("Starting the local cloud (DynamoDB Local, moto) ...");
        await using var servers = await LocalCloudServers.StartAsync();
        await using var burst = await BurstScenario.StartAsync(servers, settings, CallCounter.Harness);
        var local = burst.Local;
        var budgets = burst.Budget;
        var limits = BurstScenario.SeedLimits;

        var jobCount = burst.JobCount;
        output.WriteLine($"Burst: {settings.Amis} AMIs ({string.Join(" + ", sources)}) x {destinations.Count} destinations"
            + (settings.Accounts == 0 ? "" : $" x (the home account + {settings.Accounts} target accounts{(settings.FailingTargets ? ", 3 of them failing" : "")}, target budgets {burst.TargetBudget?.MaxInFlight}/{burst.TargetBudget?.MaxInFlightPerSource})")
            + $" = {jobCount} jobs; budgets {budgets.MaxInFlight}/{budgets.MaxInFlightPerSource}, " +
            $"EC2 limits {limits.MaxInFlight}/{limits.MaxInFlightPerSource}; copies {settings.MinCopyMinutes}..{settings.MaxCopyMinutes} min (seed {settings.Seed}); " +
            $"AMIs {settings.MinGiB}..{settings.MaxGiB} GiB; dispatcher batches of up to {settings.BatchSize} (window {settings.BatchingWindowSeconds} s), {settings.Concurrency} at once; poller pages of {settings.PollerPageSize}; AMIs {(settings.BySource ? "by source" : "interleaved")}; copy events {(settings.CopyEvents ? "delivered" : "not delivered (poller only)")}");
        calls.Reset();
        var startedAt = local.Clock.GetUtcNow();
        var wall = Stopwatch.StartNew();

        // Dispatch: every event is in the queue; the dispatcher takes batch after batch, a second of virtual time apart.
        var (invocations, _, dispatchFailures) = await burst.DispatchAllAsync(advanceClock: true, cancellationToken);

        var dispatchWall = wall.Elapsed;
        var dispatchCalls = calls.ProductTotal("DynamoDB");

        // Then a poller pass every virtual minute until nothing is active.
        var run = await burst.RunPollerAsync(afterPass: null, cancellationToken);
        var (passes, passTimes, done) = (run.PassWallTimes, run.PassTimes, run.Done);
        var failedDeliveries = dispatchFailures + run.FailedDeliveries;

        wall.Stop();
        var virtualTime = local.Clock.GetUtcNow() - startedAt;
        var productCalls = calls.Snapshot(harness: false);

        // Verification (not timed): every job, every copy, every counter.
        var jobs = await local.JobsAsync();
        var counters = await local.CountersAsync();
        var deadLetters = (await local.DeadLettersAsync()).Count;
        var policy = local.Replicator.Settings.Policy;
        var byState = jobs.GroupBy(j => j.State).ToDictionary(g => g.Key, g => g.Count());
        var copies = destinations.SelectMany(local.Simulator.Images).Where(i => i.SourceImageId is not null).ToDictionary(i => i.ImageId, StringComparer.Ordinal);
        // One copy per (owner, source): every target account copies the same home copy, each its own.
        var duplicates = copies.Values.GroupBy(i => (i.Region, i.OwnerId, i.SourceRegion, i.SourceImageId)).Sum(g => g.Count() - 1);
        var copyImageCalls = destinations.Sum(d => local.Simulator.CallCount(d, "CopyImage"));
        var limitErrors = destinations.Concat(sources).Sum(r => local.Simulator.ErrorCount(r, "ResourceLimitExceeded"));
        var counterLeft = counters.Where(c => c.InFlight != 0 || c.Holders.Count != 0).ToList();
        var unexpected = jobs.Where(j => (j.State, j.FailureCode) != (burst.ExpectedFailureCode(j.Key.Destination) is { } code ? (CopyJobState.Failed, code) : (CopyJobState.Available, null))).ToList();
        var sharesLeft = BurstScenario.SharesLeft(local.Simulator, jobs);
        var notOwned = jobs.Count(j => j is { State: CopyJobState.Available, Key.DestinationAccount: { } account } && copies.GetValueOrDefault(j.TargetImageId ?? "")?.OwnerId != account);
        var targetPeaks = burst.AllDestinationKeys.Where(d => d.Account is not null)
            .Select(d => (Peak: local.Simulator.Account(d.Account!).PeakPendingCopies(d.Region), Budget: policy.BudgetFor(d).MaxInFlight)).ToList();
        var peaksOk = destinations.All(d => local.Simulator.PeakPendingCopies(d) <= budgets.MaxInFlight
            && sources.All(s => local.Simulator.PeakPendingCopies(s, d) <= budgets.MaxInFlightPerSource)) && targetPeaks.All(p => p.Peak <= p.Budget);
        var waitedMinutes = jobs.Select(j => j.CopyStartedAt - j.CreatedAt).OfType<TimeSpan>().Select(waited => waited.TotalMinutes).Order().ToList();

        var idle = IdleWhileWaiting(jobs, passTimes, startedAt, policy);
        var dynamoCalls = productCalls.Where(c => c.Key.Service == "DynamoDB").Sum(c => c.Value);
        var ec2Calls = productCalls.Where(c => c.Key.Service == "EC2").Sum(c => c.Value);
        var sentCalls = productCalls.Where(c => c.Key.Service != "SQS" || c.Key.Operation.StartsWith("Send", StringComparison.Ordinal)).Sum(c => c.Value);
        var invariant = CultureInfo.InvariantCulture;
        output.WriteLine();
        output.WriteLine(string.Create(invariant, $"| measure | value |"));
        output.WriteLine("|---|---|");
        Row(output, "machine", Machine());
        Row(output, "jobs", $"{jobCount} ({string.Join(", ", byState.OrderBy(s => s.Key).Select(s => $"{s.Key.ToString().ToUpperInvariant()} {s.Value}"))})");
        Row(output, "wall time", string.Create(invariant, $"{wall.Elapsed.TotalSeconds:F1} s (dispatch {dispatchWall.TotalSeconds:F1} s for {invocations} invocations, poller {passes.Sum(p => p.TotalSeconds):F1} s for {passes.Count} passes)"));
        Row(output, "virtual time to finish", string.Create(invariant, $"{virtualTime.TotalMinutes:F0} min"));
        var (makespan, bound) = Makespan(jobs, copies, burst.Durations, policy, startedAt);
        Row(output, "makespan / lower bound", bound == TimeSpan.Zero ? "- (no copy made)" : string.Create(invariant, $"{makespan.TotalMinutes:F1} min / {bound.TotalMinutes:F1} min = {makespan / bound:F3}"));
        Row(output, "jobs/s (wall)", string.Create(invariant, $"{jobCount / wall.Elapsed.TotalSeconds:F1}"));
        Row(output, "jobs/virtual hour", string.Create(invariant, $"{jobCount / virtualTime.TotalHours:F0}"));
        Row(output, "poller pass (wall)", passes.Count == 0 ? "-" : string.Create(invariant, $"mean {passes.Average(p => p.TotalMilliseconds):F0} ms, max {passes.Max(p => p.TotalMilliseconds):F0} ms"));
        Row(output, "wait before start (virtual)", waitedMinutes.Count == 0 ? "-" : string.Create(invariant, $"median {waitedMinutes[waitedMinutes.Count / 2]:F0} min, max {waitedMinutes[^1]:F0} min"));
        Row(output, "time to AVAILABLE, home account's copies (virtual)", TimeToAvailable(jobs.Where(j => j.Key.DestinationAccount is null)));
        if (settings.Accounts > 0)
        {
            Row(output, "time to AVAILABLE per target (account, region) copy (virtual)", TimeToAvailable(jobs.Where(j => j.Key.DestinationAccount is not null)));
        }

        Row(output, "a free slot idled while work waited", string.Create(invariant,
            $"{idle.Count} of {idle.Checked} (pass, destination, source) checks{(idle.Count == 0 ? "" : $"; first {idle.First}")}"));
        var idleTime = IdleSlotTime(jobs, copies, policy);
        Row(output, "copy capacity idle while work waited (continuous, EC2's view)", string.Create(invariant,
            $"{idleTime.Idle.TotalMinutes:F1} slot-min = {idleTime.Idle / idleTime.Busy:P2} of the {idleTime.Busy.TotalMinutes:F0} slot-min the copies ran"));
        var firstStarts = jobs.Where(j => j.Key.DestinationAccount is null).GroupBy(j => j.Key.SourceImageId)
            .Select(g => g.Min(j => j.CopyStartedAt)).OfType<DateTimeOffset>().Select(t => (t - startedAt).TotalSeconds).Order().ToList();
        Row(output, "an AMI's first copy started after its event (virtual)", firstStarts.Count == 0 ? "-" : string.Create(invariant,
            $"min {firstStarts[0]:F0} s, median {firstStarts[firstStarts.Count / 2]:F0} s, max {firstStarts[^1]:F0} s"));
        Row(output, "DynamoDB calls (product)", string.Create(invariant, $"{dynamoCalls} ({(double)dynamoCalls / jobCount:F1} per job; dispatch {dispatchCalls}): {Breakdown(productCalls, calls, "DynamoDB")}"));
        Row(output, "items read by the product's Queries", string.Create(invariant, $"{calls.ItemsQueried} ({(double)calls.ItemsQueried / jobCount:F0} per job)"));
        var rest = wall.Elapsed - calls.ProductTime("DynamoDB") - calls.ProductTime("EC2") - calls.ProductTime("SQS");
        Row(output, "wall time inside calls", string.Create(invariant,
            $"DynamoDB {calls.ProductTime("DynamoDB").TotalSeconds:F1} s, EC2 simulator {calls.ProductTime("EC2").TotalSeconds:F1} s, SQS (moto, event source) {calls.ProductTime("SQS").TotalSeconds:F1} s") +
            (settings.Concurrency == 1 ? string.Create(invariant, $"; the rest (handlers, JSON, logging, harness) {rest.TotalSeconds:F1} s") : " (summed over concurrent calls)"));
        Row(output, "EC2 calls (product)", string.Create(invariant, $"{ec2Calls} ({(double)ec2Calls / jobCount:F1} per job): {Breakdown(productCalls, calls, "EC2")}"));
        foreach (var other in productCalls.Keys.Select(k => k.Service).Where(s => s is not ("DynamoDB" or "EC2" or "SQS")).Distinct().Order(StringComparer.Ordinal))
        {
            Row(output, $"{other} calls (product)", string.Create(invariant, $"{productCalls.Where(c => c.Key.Service == other).Sum(c => c.Value)}: {Breakdown(productCalls, calls, other)}"));
        }

        var perCopyByService = string.Join(", ", productCalls.Where(c => c.Key.Service != "SQS" || c.Key.Operation.StartsWith("Send", StringComparison.Ordinal))
            .GroupBy(c => c.Key.Service).OrderByDescending(g => g.Sum(c => c.Value)).Select(g => string.Create(invariant, $"{g.Key} {(double)g.Sum(c => c.Value) / jobCount:F2}")));
        Row(output, "AWS calls per copy (DynamoDB + EC2 + SQS sent by the product)", string.Create(invariant, $"{(double)sentCalls / jobCount:F2}: {perCopyByService}"));
        Row(output, "errors AWS answered the product (of the calls above)", calls.ProductErrors.IsEmpty ? "none"
            : string.Join(", ", calls.ProductErrors.OrderByDescending(e => e.Value).Select(e => string.Create(invariant, $"{e.Key} {e.Value}"))));
        if (settings.Accounts > 0)
        {
            var targetCopies = jobs.Count(j => j is { State: CopyJobState.Available, Key.DestinationAccount: not null });
            var byService = string.Join(", ", productCalls.Where(c => c.Key.Service != "SQS" || c.Key.Operation.StartsWith("Send", StringComparison.Ordinal))
                .GroupBy(c => c.Key.Service).OrderByDescending(g => g.Sum(c => c.Value)).Select(g => string.Create(invariant, $"{g.Key} {(double)g.Sum(c => c.Value) / targetCopies:F2}")));
            Row(output, "AWS calls per target copy made (all the product's calls, the home copies' included) / floor", string.Create(invariant,
                $"{(double)sentCalls / targetCopies:F2} / {TargetCopyCallFloor}: {byService} (sts:AssumeRole answered by the simulator: {local.Simulator.CallCount(LocalReplication.Home, "sts:AssumeRole")} for {settings.Accounts} accounts)"));
        }

        Row(output, "peak in flight per destination (EC2's view) / budget", string.Join(", ", destinations.Select(d => $"{d} {local.Simulator.PeakPendingCopies(d)}/{budgets.MaxInFlight}")));
        Row(output, "peak in flight per source->destination / budget", string.Join(", ", destinations.SelectMany(d => sources.Select(s => $"{s}->{d} {local.Simulator.PeakPendingCopies(s, d)}/{budgets.MaxInFlightPerSource}"))));
        if (targetPeaks.Count > 0)
        {
            Row(output, "peak in flight per target (account, region) (EC2's view) / budget", string.Create(invariant,
                $"at most {targetPeaks.Max(p => p.Peak)}/{targetPeaks.Max(p => p.Budget)}; over the budget in {targetPeaks.Count(p => p.Peak > p.Budget)} of {targetPeaks.Count}"));
        }

        Row(output, "ResourceLimitExceeded answered", limitErrors.ToString(invariant));
        Row(output, "duplicate copies", string.Create(invariant, $"{duplicates} (CopyImage calls {copyImageCalls} for {byState.GetValueOrDefault(CopyJobState.Available)} copies made)"));
        if (settings.Accounts > 0)
        {
            Row(output, "target copies not owned by their target account", notOwned.ToString(invariant));
            Row(output, "home copies' shares left with target accounts", sharesLeft.ToString(invariant));
        }

        Row(output, "jobs not ending as expected (AVAILABLE, or the failing targets' FAILED with their code)", unexpected.Count == 0 ? "0" : string.Create(invariant,
            $"{unexpected.Count}: {string.Join("; ", unexpected.Take(5).Select(j => $"{j.Key} {j.State} {j.FailureCode} {j.LastError}"))}"));
        if (settings.FailingTargets)
        {
            Row(output, "failing targets' jobs", string.Join(", ", jobs.Where(j => j.FailureCode is not null).GroupBy(j => (j.Key.Destination, j.FailureCode))
                .Select(g => string.Create(invariant, $"{g.Key.Destination} {g.Key.FailureCode} x{g.Count()}"))));
        }

        Row(output, "counters at the end", counterLeft.Count == 0 ? $"all {counters.Count} at 0, no holders" : string.Join(", ", counterLeft.Select(c => $"{c.Scope} {c.InFlight} ({c.Holders.Count} holders)")));
        Row(output, "messages in the DLQ", deadLetters.ToString(invariant));
        var logLines = local.Log.ToString().Split('\n');
        Row(output, "log lines at Warning / Error", string.Create(invariant,
            $"{logLines.Count(l => l.Contains("\"level\":\"WARN\"", StringComparison.Ordinal))} / {logLines.Count(l => l.Contains("\"level\":\"ERROR\"", StringComparison.Ordinal))}"));
        Row(output, "failed deliveries / poller errors", string.Create(invariant, $"{failedDeliveries} / {run.PollerErrors}{(settings.CopyEvents ? $" (copy events delivered: {run.EventDeliveries})" : "")}"));

        var ok = jobs.Count == jobCount && unexpected.Count == 0 && limitErrors == 0 && duplicates == 0 && notOwned == 0 && sharesLeft == 0
            && counterLeft.Count == 0 && peaksOk && deadLetters == 0 && done;
        output.WriteLine();
        output.WriteLine(ok
            ? "OK: every job AVAILABLE (the failing targets' FAILED with their codes), no ResourceLimitExceeded, no duplicate copy, no share left, peaks within the budgets, every counter at 0, no DLQ message."
            : "NOT OK: see the table above.");
        if (!naiveBaseline && plotPath is null)
        {
            return ok ? 0 : 1;
        }

        var runs = new List<BurstOutcome> { Outcome("replicator", budgeted: true, local, settings, startedAt, makespan, limitErrors, productCalls) };
        if (naiveBaseline)
        {
            output.WriteLine();
            output.WriteLine("Baseline: the same burst through a copy-on-event function with no budget (CopyImage on every event, SDK retries only) ...");
            runs.Add(await RunNaiveAsync(servers, settings, calls, cancellationToken));
            SideBySide(output, runs, jobCount, budgets.MaxInFlight);
        }

        if (plotPath is not null)
        {
            InFlightPlot.Save(plotPath, [.. runs.Select(r => r.Series)], budgets.MaxInFlight, limits.MaxInFlight);
            output.WriteLine($"Plot of copies in flight per destination: {plotPath} (series: {Path.ChangeExtension(plotPath, ".csv")})");
        }

        return ok ? 0 : 1;
    }

    /// <summary>
    /// The same burst (the same AMIs, sizes and copy durations, on a fresh simulator with the same limits) through
    /// <see cref="NaiveCopyOnEvent"/>: every event is delivered as to the replicator, then virtual time runs until every copy EC2
    /// accepted has ended. Nothing else happens: no poller, no retry of a refused copy.
    /// </summary>
    private static async Task<BurstOutcome> RunNaiveAsync(LocalCloudServers servers, BurstSettings settings, CallCounter calls, CancellationToken cancellationToken)
    {
        await using var burst = await BurstScenario.StartAsync(servers, settings, CallCounter.Harness);
        var local = burst.Local;
        var naive = new NaiveCopyOnEvent(local.Ec2, BurstScenario.Sources, settings.Destinations);
        calls.Reset();
        var startedAt = local.Clock.GetUtcNow();
        await burst.DispatchAllAsync(advanceClock: true, cancellationToken, naive.HandleJsonAsync);
        var lastEnd = settings.Destinations.SelectMany(local.Simulator.Images).Select(i => i.CompletesAt).Max() ?? startedAt;
        if (lastEnd > local.Clock.GetUtcNow())
        {
            local.Clock.SetUtcNow(lastEnd);
        }

        var limitErrors = settings.Destinations.Sum(d => local.Simulator.ErrorCount(d, "ResourceLimitExceeded"));
        if (limitErrors != naive.LimitExceeded || naive.OtherErrors != 0)
        {
            throw new InvalidOperationException($"The naive function saw {naive.LimitExceeded} ResourceLimitExceeded and {naive.OtherErrors} other errors; EC2 answered {limitErrors} ResourceLimitExceeded.");
        }

        return Outcome("naive copy-on-event", budgeted: false, local, settings, startedAt, lastEnd - startedAt, limitErrors, calls.Snapshot(harness: false));
    }

    private static BurstOutcome Outcome(string name, bool budgeted, LocalReplication local, BurstSettings settings, DateTimeOffset startedAt, TimeSpan makespan,
        int limitErrors, Dictionary<(string Service, string Operation), int> productCalls)
    {
        var made = settings.Destinations.Sum(d => local.Simulator.Images(d).Count(i => i is { SourceImageId: not null, State: "available" }));
        var sent = productCalls.Where(c => c.Key.Service != "SQS" || c.Key.Operation.StartsWith("Send", StringComparison.Ordinal)).Sum(c => c.Value);
        var ec2 = productCalls.Where(c => c.Key.Service == "EC2").Sum(c => c.Value);
        return new BurstOutcome(name, made, limitErrors, makespan, sent, ec2, settings.Destinations.Max(local.Simulator.PeakPendingCopies),
            InFlightSeries.FromSimulator(name, budgeted, made, limitErrors, local.Simulator, settings.Destinations, startedAt));
    }

    private static void SideBySide(TextWriter output, IReadOnlyList<BurstOutcome> runs, int asked, int budget)
    {
        var invariant = CultureInfo.InvariantCulture;
        output.WriteLine();
        output.WriteLine($"| measure | {string.Join(" | ", runs.Select(r => r.Name))} |");
        output.WriteLine($"|---|{string.Concat(runs.Select(_ => "---|"))}");
        void Line(string measure, Func<BurstOutcome, string> value) => output.WriteLine($"| {measure} | {string.Join(" | ", runs.Select(value))} |");
        Line("copies asked for", _ => asked.ToString(invariant));
        Line("copies made (available)", r => r.Made.ToString(invariant));
        Line("copies failed with ResourceLimitExceeded", r => r.LimitExceeded.ToString(invariant));
        Line("copies never made", r => (asked - r.Made).ToString(invariant));
        Line("makespan (burst to the last copy's end, virtual)", r => string.Create(invariant,
            $"{r.Makespan.TotalMinutes:F1} min{(r.Made < asked ? $" (for the {r.Made} made; the other {asked - r.Made} never)" : "")}"));
        Line("AWS calls per copy made (DynamoDB + EC2 + SQS sent)", r => r.Made == 0 ? "-" : string.Create(invariant, $"{(double)r.Calls / r.Made:F2}"));
        Line("EC2 calls per copy made", r => r.Made == 0 ? "-" : string.Create(invariant, $"{(double)r.Ec2Calls / r.Made:F2}"));
        Line($"peak copies in flight in a destination (EC2's view) / the replicator's budget", r => string.Create(invariant, $"{r.PeakInFlight}/{budget}"));
    }

    /// <summary>What a run of the burst achieved, as the side-by-side table and the plot show it.</summary>
    private sealed record BurstOutcome(string Name, int Made, int LimitExceeded, TimeSpan Makespan, int Calls, int Ec2Calls, int PeakInFlight, InFlightSeries Series);

    /// <summary>
    /// Replays the jobs' timestamps as they stood after every poller pass: counts the (pass, destination, source)
    /// where jobs of the source waited while both its pair and its destination had a free slot, which a work-conserving
    /// replicator never lets happen (there is no back-pressure in the burst: the budgets are within EC2's limits). A target
    /// account's job waits for work only once the home account's copy it copies is available.
    /// </summary>
    private static (int Count, int Checked, string? First) IdleWhileWaiting(IReadOnlyList<CopyJob> jobs, IReadOnlyList<DateTimeOffset> passTimes, DateTimeOffset from, ReplicationPolicy policy)
    {
        var homeAvailableAt = jobs.Where(j => j.Key.DestinationAccount is null).ToDictionary(j => j.Key, j => j.State == CopyJobState.Available ? j.CompletedAt : null);
        DateTimeOffset? ReadyAt(CopyJob job) => job.Key.DestinationAccount is null
            ? job.CreatedAt
            : homeAvailableAt.GetValueOrDefault(job.Key with { DestinationAccount = null }) is { } available && available > job.CreatedAt ? available : job.CreatedAt;
        var byDestination = jobs.GroupBy(j => j.Key.Destination)
            .Select(d => (Destination: d.Key, Budget: policy.BudgetFor(d.Key), Jobs: d.ToList(), Sources: d.GroupBy(j => j.Key.SourceRegion).ToList())).ToList();
        var (count, checkedCount) = (0, 0);
        string? first = null;
        foreach (var t in passTimes)
        {
            bool Holds(CopyJob j) => j.CopyStartedAt <= t && !(j.CompletedAt <= t);
            foreach (var (destination, budget, destinationJobs, bySource) in byDestination)
            {
                var inFlight = destinationJobs.Count(Holds);
                foreach (var source in bySource)
                {
                    var waiting = source.Count(j => ReadyAt(j) <= t && !(j.CopyStartedAt <= t) && !(j.CompletedAt <= t));
                    var pairInFlight = source.Count(Holds);
                    checkedCount++;
                    if (waiting > 0 && inFlight < budget.MaxInFlight && pairInFlight < budget.MaxInFlightPerSource)
                    {
                        count++;
                        var job = source.First(j => ReadyAt(j) <= t && !(j.CopyStartedAt <= t) && !(j.CompletedAt <= t));
                        first ??= string.Create(CultureInfo.InvariantCulture,
                            $"at +{(t - from).TotalMinutes:F0} min {waiting} {source.Key} jobs waited for {destination} with {inFlight}/{budget.MaxInFlight} and {pairInFlight}/{budget.MaxInFlightPerSource} in flight, "
                            + $"e.g. {job.Key} ready at +{(ReadyAt(job)!.Value - from).TotalMinutes:F1} min, {job.State} at +{((job.CopyStartedAt ?? job.CompletedAt ?? t) - from).TotalMinutes:F1} min");
                    }
                }
            }
        }

        return (count, checkedCount, first);
    }

    /// <summary>
    /// The copy capacity lost in continuous time (not only at pass instants): per destination, integrated over every moment, the
    /// places free in the destination and in a pair while a job of that pair was ready and not yet claimed (a home account's job is
    /// ready from its creation). A copy holds its place from its claim to its end in EC2 (the simulator's): the time between a
    /// copy's end and its job's release (the poller's next pass, or the copy's event in its batching window) counts as idle.
    /// Against the time the copies held.
    /// </summary>
    private static (TimeSpan Idle, TimeSpan Busy) IdleSlotTime(IReadOnlyList<CopyJob> jobs, IReadOnlyDictionary<string, Ec2Simulator.ImageInfo> copies, ReplicationPolicy policy)
    {
        var (idle, busy) = (0.0, 0.0);
        var ended = jobs.Where(j => j.Key.DestinationAccount is null)
            .Select(j => (copies.GetValueOrDefault(j.TargetImageId ?? "")?.CompletesAt ?? j.CompletedAt) is { } end
                ? new SlotSpan(j.Key.Destination, j.Key.SourceRegion, j.CreatedAt, j.ClaimedAt ?? j.CopyStartedAt ?? end, end)
                : null)
            .OfType<SlotSpan>();
        foreach (var destination in ended.GroupBy(j => j.Destination))
        {
            var budget = policy.BudgetFor(destination.Key);
            var spans = destination.ToList();
            var instants = spans.SelectMany(j => new[] { j.Ready, j.Claimed, j.End }).Distinct().Order().ToList();
            foreach (var (from, to) in instants.Zip(instants.Skip(1)))
            {
                var holding = spans.Where(j => j.Claimed <= from && from < j.End).ToList();
                var free = budget.MaxInFlight - holding.Count;
                var startable = spans.Where(j => j.Ready <= from && from < j.Claimed).GroupBy(j => j.SourceRegion)
                    .Sum(pair => Math.Min(pair.Count(), budget.MaxInFlightPerSource - holding.Count(j => j.SourceRegion == pair.Key)));
                idle += Math.Max(0, Math.Min(free, startable)) * (to - from).TotalSeconds;
                busy += holding.Count * (to - from).TotalSeconds;
            }
        }

        return (TimeSpan.FromSeconds(idle), TimeSpan.FromSeconds(busy));
    }

    /// <summary>A job's time in a destination: ready to start from <paramref name="Ready"/>, holding its slots from <paramref name="Claimed"/> to <paramref name="End"/>.</summary>
    private sealed record SlotSpan(CopyDestination Destination, string SourceRegion, DateTimeOffset Ready, DateTimeOffset Claimed, DateTimeOffset End);

    /// <summary>
    /// From the first event to the last copy's end, against the exact lower bound for the copy durations drawn: no schedule can
    /// end before the longest copy (a target account's after the home account's copy it copies), nor before a destination's (or a
    /// pair's) copies have run end to end within its budget.
    /// </summary>
    private static (TimeSpan Makespan, TimeSpan Bound) Makespan(IReadOnlyList<CopyJob> jobs, IReadOnlyDictionary<string, Ec2Simulator.ImageInfo> copies,
        IReadOnlyDictionary<(string SourceImageId, string Destination), TimeSpan> durations, ReplicationPolicy policy, DateTimeOffset startedAt)
    {
        var made = jobs.Where(j => j.State == CopyJobState.Available).ToList();
        if (made.Count == 0)
        {
            return (TimeSpan.Zero, TimeSpan.Zero);
        }

        var end = made.Max(j => copies.GetValueOrDefault(j.TargetImageId ?? "")?.CompletesAt ?? j.CompletedAt ?? startedAt);
        var timed = made.Select(j => (j.Key, Duration: durations[(j.Key.SourceImageId, j.Key.DestinationRegion)])).ToList();
        var bound = new[]
        {
            timed.Max(c => c.Key.DestinationAccount is null ? c.Duration : 2 * c.Duration),
            timed.GroupBy(c => c.Key.Destination).Max(g => g.Aggregate(TimeSpan.Zero, (sum, c) => sum + c.Duration) / policy.BudgetFor(g.Key).MaxInFlight),
            timed.GroupBy(c => (c.Key.SourceRegion, c.Key.Destination)).Max(g => g.Aggregate(TimeSpan.Zero, (sum, c) => sum + c.Duration) / policy.BudgetFor(g.Key.Destination).MaxInFlightPerSource),
        }.Max();
        return (end - startedAt, bound);
    }

    /// <summary>The jobs' time from their AMI's event (the job's creation) to AVAILABLE: p50, p95 and the longest.</summary>
    private static string TimeToAvailable(IEnumerable<CopyJob> jobs)
    {
        var minutes = jobs.Where(j => j is { State: CopyJobState.Available, CompletedAt: not null }).Select(j => (j.CompletedAt!.Value - j.CreatedAt).TotalMinutes).Order().ToList();
        double Percentile(double p) => minutes[Math.Min(minutes.Count - 1, (int)Math.Ceiling(p * minutes.Count) - 1)];
        return minutes.Count == 0 ? "-" : string.Create(CultureInfo.InvariantCulture, $"p50 {Percentile(0.50):F1} min, p95 {Percentile(0.95):F1} min, max {minutes[^1]:F1} min ({minutes.Count} copies)");
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
        private readonly ConcurrentDictionary<string, int> _productErrors = new(StringComparer.Ordinal);

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

        /// <summary>
        /// The errors AWS answered the product, by service, operation and code; a cancelled transaction by the first item that refused
        /// it (the job's own write is item 0, the slot counters follow it in a claim).
        /// </summary>
        public ConcurrentDictionary<string, int> ProductErrors => _productErrors;

        public void Reset()
        {
            _calls.Clear();
            _time.Clear();
            _productErrors.Clear();
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
                catch (AmazonServiceException e) when (!InHarness.Value)
                {
                    var operation = executionContext.RequestContext.OriginalRequest.GetType().Name.Replace("Request", "", StringComparison.Ordinal);
                    var refusal = e is TransactionCanceledException cancelled
                        && cancelled.CancellationReasons?.FindIndex(r => r.Code is not (null or "None")) is >= 0 and var item
                        ? $" (item {item}: {cancelled.CancellationReasons[item].Code})"
                        : "";
                    counter._productErrors.AddOrUpdate($"{service} {operation} {e.ErrorCode}{refusal}", 1, (_, n) => n + 1);
                    throw;
                }
                finally
                {
                    counter.Count(service, executionContext.RequestContext.OriginalRequest.GetType().Name.Replace("Request", "", StringComparison.Ordinal), Stopwatch.GetElapsedTime(started));
                }
            }
        }
    }
}
