using System.CommandLine;
using System.Globalization;
using AmiReplicator.Domain.Jobs;
using AmiReplicator.Domain.Policy;
using AmiReplicator.Domain.Slots;

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
            await using var aws = AwsSession.From(parse);
            var deployment = await aws.DeploymentAsync(parse, cancellationToken);
            var inspection = aws.Ports(deployment).Inspection;
            var jobs = await inspection.ListJobsAsync(cancellationToken);
            var counters = await inspection.ListCountersAsync(cancellationToken);
            var (destinations, pairs) = Lines(jobs, counters, deployment.Policy, DateTimeOffset.UtcNow);

            if (GlobalOptions.Json(parse))
            {
                CliJson.Write(output, new { tableName = deployment.TableName, destinations, pairs });
            }
            else
            {
                output.WriteLine($"Table {deployment.TableName} in {deployment.HomeRegion}");
                output.WriteLine();
                WriteTables(output, destinations, pairs);
            }

            return ExitCodes.Done;
        });
        return command;
    }

    /// <summary>The lines of `status`: each destination (of the jobs, the counters and the policy), then each source->destination pair.</summary>
    public static (IReadOnlyList<StatusLine> Destinations, IReadOnlyList<StatusLine> Pairs) Lines(IReadOnlyList<CopyJob> jobs, IReadOnlyList<SlotCounter> counters,
        ReplicationPolicy? policy, DateTimeOffset now)
    {
        var byScope = counters.ToDictionary(c => c.Scope);
        var destinations = jobs.Select(j => j.Key.Destination)
            .Concat(byScope.Keys.Select(s => s.Destination))
            .Concat(policy?.Destinations.Select(d => CopyDestination.Home(d.Region)) ?? [])
            .Distinct().OrderBy(d => d.ToString(), StringComparer.Ordinal)
            .Select(d => StatusLine.Of(SlotScope.All(d), jobs, byScope, policy?.BudgetFor(d).MaxInFlight, now))
            .ToList();
        var pairs = jobs.Select(j => SlotScope.Pair(j.Key.SourceRegion, j.Key.Destination))
            .Concat(byScope.Keys.Where(s => s.SourceRegion is not null))
            .Distinct()
            .OrderBy(s => s.Destination.ToString(), StringComparer.Ordinal).ThenBy(s => s.SourceRegion, StringComparer.Ordinal)
            .Select(p => StatusLine.Of(p, jobs, byScope, policy?.BudgetFor(p.Destination).MaxInFlightPerSource, now))
            .ToList();
        return (destinations, pairs);
    }

    /// <summary>Both tables of `status`, as text.</summary>
    public static void WriteTables(TextWriter output, IReadOnlyList<StatusLine> destinations, IReadOnlyList<StatusLine> pairs)
    {
        Write(output, "DESTINATION", destinations);
        output.WriteLine();
        Write(output, "SOURCE -> DESTINATION", pairs);
    }

    private static void Write(TextWriter output, string what, IReadOnlyList<StatusLine> lines) =>
        JobTableView.Write(output, [what, "WAITING", "CLAIMED", "COPYING", "AVAILABLE", "FAILED", "CANCELLED", "IN FLIGHT/BUDGET", "OLDEST WAITING"],
            [.. lines.Select(l => new[]
            {
                l.SourceRegion is null ? l.DestinationRegion : $"{l.SourceRegion} -> {l.DestinationRegion}",
                Number(l.Waiting), Number(l.Claimed), Number(l.Copying), Number(l.Available), Number(l.Failed), Number(l.Cancelled),
                $"{l.InFlight}/{(l.Budget is { } b ? Number(b) : "?")}" + (l.BackOffUntil is { } until ? $" (backing off until {JobTableView.Time(until)})" : ""),
                l is { OldestWaitingSince: { } since, OldestWaitingAgeSeconds: { } age } ? $"{JobTableView.Time(since)} ({Age(age)})" : "-",
            })]);

    public static string Number(int n) => n.ToString(CultureInfo.InvariantCulture);

    public static string Age(long seconds) => TimeSpan.FromSeconds(seconds) switch
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
    long? OldestWaitingAgeSeconds)
{
    /// <summary>The line of <paramref name="scope"/>: its jobs by state, its counter's slots in use against <paramref name="budget"/>, its oldest waiting job.</summary>
    public static StatusLine Of(SlotScope scope, IReadOnlyList<CopyJob> all, Dictionary<SlotScope, SlotCounter> counters, int? budget, DateTimeOffset now)
    {
        var jobs = all.Where(j => scope.Covers(j.Key)).ToList();
        int Count(CopyJobState state) => jobs.Count(j => j.State == state);
        var oldest = jobs.Where(j => j.State == CopyJobState.Waiting).Select(j => (DateTimeOffset?)j.WaitingSinceOrCreated).Min();
        var counter = counters.GetValueOrDefault(scope);
        return new StatusLine(
            scope.SourceRegion, scope.Destination.ToString(),
            Count(CopyJobState.Waiting), Count(CopyJobState.Claimed), Count(CopyJobState.Copying),
            Count(CopyJobState.Available), Count(CopyJobState.Failed), Count(CopyJobState.Cancelled),
            counter?.InFlight ?? 0, budget, counter?.BackOffUntil > now ? counter.BackOffUntil : null,
            oldest, oldest is { } since ? (long)(now - since).TotalSeconds : null);
    }
}
