using System.CommandLine;
using System.Globalization;
using AmiReplicator.Domain.Jobs;
using AmiReplicator.DynamoDb;

namespace AmiReplicator.Cli;

/// <summary>`amirepl status`: per destination and per source->destination pair, jobs by state, slots in use against the budget, the oldest waiting job.</summary>
internal static class StatusCommand
{
    public static Command Create(TextWriter output)
    {
        var command = new Command("status", "Per destination, then per source->destination pair: waiting, claimed, copying, available, failed and cancelled jobs, "
            + "copies in flight against the budget, and the oldest waiting job with its age.");
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var aws = AwsSession.From(parse);
            var deployment = await aws.DeploymentAsync(parse, cancellationToken);
            var inspection = new CopyJobInspection(aws.DynamoDb, deployment.TableName);
            var jobs = await inspection.ListJobsAsync(cancellationToken);
            var counters = (await inspection.ListCountersAsync(cancellationToken)).ToDictionary(c => c.Scope);
            var now = DateTimeOffset.UtcNow;

            var destinations = jobs.Select(j => j.Key.DestinationRegion)
                .Concat(counters.Keys.Select(s => s.DestinationRegion))
                .Concat(deployment.Policy?.Destinations.Select(d => d.Region) ?? [])
                .Distinct().Order(StringComparer.Ordinal)
                .Select(d => Line(SlotScope.Destination(d), jobs, counters, deployment.Policy?.BudgetFor(d).MaxInFlight, now))
                .ToList();
            var pairs = jobs.Select(j => SlotScope.Pair(j.Key.SourceRegion, j.Key.DestinationRegion))
                .Concat(counters.Keys.Where(s => s.SourceRegion is not null))
                .Distinct()
                .OrderBy(s => s.DestinationRegion, StringComparer.Ordinal).ThenBy(s => s.SourceRegion, StringComparer.Ordinal)
                .Select(p => Line(p, jobs, counters, deployment.Policy?.BudgetFor(p.DestinationRegion).MaxInFlightPerSource, now))
                .ToList();

            if (GlobalOptions.Json(parse))
            {
                CliJson.Write(output, new { tableName = deployment.TableName, destinations, pairs });
            }
            else
            {
                output.WriteLine($"Table {deployment.TableName} in {deployment.HomeRegion}");
                output.WriteLine();
                Write(output, "DESTINATION", destinations);
                output.WriteLine();
                Write(output, "SOURCE -> DESTINATION", pairs);
            }

            return ExitCodes.Done;
        });
        return command;
    }

    private static StatusLine Line(SlotScope scope, IReadOnlyList<CopyJob> all, Dictionary<SlotScope, SlotCounter> counters, int? budget, DateTimeOffset now)
    {
        var jobs = all.Where(j => scope.Covers(j.Key)).ToList();
        int Count(CopyJobState state) => jobs.Count(j => j.State == state);
        var oldest = jobs.Where(j => j.State == CopyJobState.Waiting).Select(j => (DateTimeOffset?)j.WaitingSinceOrCreated).Min();
        var counter = counters.GetValueOrDefault(scope);
        return new StatusLine(
            scope.SourceRegion, scope.DestinationRegion,
            Count(CopyJobState.Waiting), Count(CopyJobState.Claimed), Count(CopyJobState.Copying),
            Count(CopyJobState.Available), Count(CopyJobState.Failed), Count(CopyJobState.Cancelled),
            counter?.InFlight ?? 0, budget, counter?.BackOffUntil > now ? counter.BackOffUntil : null,
            oldest, oldest is { } since ? (long)(now - since).TotalSeconds : null);
    }

    private static void Write(TextWriter output, string what, IReadOnlyList<StatusLine> lines) =>
        JobTableView.Write(output, [what, "WAITING", "CLAIMED", "COPYING", "AVAILABLE", "FAILED", "CANCELLED", "IN FLIGHT/BUDGET", "OLDEST WAITING"],
            [.. lines.Select(l => new[]
            {
                l.SourceRegion is null ? l.DestinationRegion : $"{l.SourceRegion} -> {l.DestinationRegion}",
                Number(l.Waiting), Number(l.Claimed), Number(l.Copying), Number(l.Available), Number(l.Failed), Number(l.Cancelled),
                $"{l.InFlight}/{(l.Budget is { } b ? Number(b) : "?")}" + (l.BackOffUntil is { } until ? $" (backing off until {JobTableView.Time(until)})" : ""),
                l.OldestWaitingSince is { } since ? $"{JobTableView.Time(since)} ({Age(l.OldestWaitingAgeSeconds!.Value)})" : "-",
            })]);

    private static string Number(int n) => n.ToString(CultureInfo.InvariantCulture);

    private static string Age(long seconds) => TimeSpan.FromSeconds(seconds) switch
    {
        { TotalDays: >= 1 } t => $"{(int)t.TotalDays}d {t.Hours}h",
        { TotalHours: >= 1 } t => $"{(int)t.TotalHours}h {t.Minutes}m",
        var t => $"{(int)t.TotalMinutes}m {t.Seconds}s",
    };
}

/// <summary>One line of `status`: a destination (SourceRegion null) or a source->destination pair.</summary>
internal sealed record StatusLine(
    string? SourceRegion,
    string DestinationRegion,
    int Waiting,
    int Claimed,
    int Copying,
    int Available,
    int Failed,
    int Cancelled,
    int InFlight,
    int? Budget,
    DateTimeOffset? BackOffUntil,
    DateTimeOffset? OldestWaitingSince,
    long? OldestWaitingAgeSeconds);
