using System.CommandLine;
using System.Globalization;
using System.Text.Json.Serialization;
using AmiReplicator.Domain.Jobs;
using AmiReplicator.Domain.Policy;
using AmiReplicator.Domain.Slots;

namespace AmiReplicator.Cli;

/// <summary>
/// `amirepl status`: per destination and per source->destination pair, jobs by state, slots in use against the budget, the oldest
/// waiting job; the home account's per region, each target account on one line (its regions with `--account`).
/// </summary>
internal static class StatusCommand
{
    /// <summary>The dead letters `status` and `watch` read for their reasons (the count of all is SQS's).</summary>
    public const int ReasonsCounted = 100;

    public static Command Create(TextWriter output)
    {
        var account = AccountFilter.CreateOption("the destinations");
        var command = new Command("status", "Per destination, then per source->destination pair: waiting, claimed, copying, available, failed and cancelled jobs, "
            + "copies in flight against the budget, and the oldest waiting job with its age. The home account's destinations per region and each target "
            + "account on one line; with --account, those accounts' destinations per region. Above them, the requests waiting in the request queue and "
            + "the dead letters in its DLQ, per reason.") { account };
        CliHelp.Examples(command, "amirepl status", "amirepl status --account 111111111111", "amirepl status --output json --query 'queues.deadLetters'");
        command.SetAction(async (parse, cancellationToken) =>
        {
            var accounts = AccountFilter.Parse(parse.GetValue(account));
            await using var aws = AwsSession.From(parse);
            var deployment = await aws.DeploymentAsync(parse, cancellationToken);
            var inspection = aws.Ports(deployment).Inspection;
            var kept = accounts.For(deployment);
            var now = DateTimeOffset.UtcNow;
            // The counters say which destinations have held slots; the index counts each one's jobs per state: no scan of the table.
            var counters = await inspection.ListCountersAsync(cancellationToken);
            var census = await TableReads.CountAsync(inspection, TableReads.Destinations(deployment.Policy, counters, kept), now, cancellationToken);
            var lines = Lines(census, counters, deployment.Policy, kept, now);
            var queues = await (await aws.QueuesAsync(parse, deployment, cancellationToken)).StateAsync(ReasonsCounted, cancellationToken);

            if (GlobalOptions.Structured(parse))
            {
                CliJson.Write(parse, output, new { tableName = deployment.TableName, destinations = lines.Destinations, pairs = lines.Pairs, accounts = lines.Accounts, queues });
            }
            else
            {
                output.WriteLine($"Table {deployment.TableName} in {deployment.HomeRegion}");
                foreach (var line in queues.Lines())
                {
                    output.WriteLine(line);
                }

                output.WriteLine();
                WriteTables(output, lines);
            }

            return ExitCodes.Done;
        });
        return command;
    }

    /// <summary>
    /// The lines of `status`: each destination (of the jobs counted, the counters and the policy) and each source->destination pair,
    /// per region of the home account (of the accounts <paramref name="accounts"/> names, when it names any), and each target account
    /// <paramref name="accounts"/> covers summed over its regions: hundreds of accounts stay one line each.
    /// </summary>
    public static StatusLines Lines(JobCensus census, IReadOnlyList<SlotCounter> counters, ReplicationPolicy? policy, AccountFilter accounts,
        DateTimeOffset now)
    {
        var byScope = counters.ToDictionary(c => c.Scope);
        bool PerRegion(CopyDestination destination) => accounts.IsAny ? destination.IsHome : accounts.Covers(destination);

        var destinations = census.Destinations
            .Concat(byScope.Keys.Select(s => s.Destination))
            .Concat(policy?.Destinations.Select(d => CopyDestination.Home(d.Region)) ?? [])
            .Concat(policy?.Targets.SelectMany(t => t.Destinations()).Select(d => d.Key) ?? [])
            .Distinct().Where(accounts.Covers)
            .OrderBy(d => d.Account, StringComparer.Ordinal).ThenBy(d => d.Region, StringComparer.Ordinal)
            .Select(d => StatusLine.Of(SlotScope.All(d), census, byScope, policy?.BudgetFor(d).MaxInFlight, now))
            .ToList();
        var pairs = census.Pairs
            .Concat(byScope.Keys.Where(s => s.SourceRegion is not null))
            .Distinct().Where(p => PerRegion(p.Destination))
            .OrderBy(p => p.Destination.Account, StringComparer.Ordinal).ThenBy(p => p.Destination.Region, StringComparer.Ordinal)
            .ThenBy(p => p.SourceRegion, StringComparer.Ordinal)
            .Select(p => StatusLine.Of(p, census, byScope, policy?.BudgetFor(p.Destination).MaxInFlightPerSource, now))
            .ToList();
        var targetAccounts = destinations.Where(l => l.DestinationAccount is not null).GroupBy(l => l.DestinationAccount!)
            .Select(g => new AccountLine(g.Key, [.. g])).ToList();
        return new StatusLines([.. destinations.Where(l => PerRegion(l.Destination))], pairs, targetAccounts);
    }

    /// <summary>The tables of `status`, as text: destinations, pairs, then the target accounts (when there are any).</summary>
    public static void WriteTables(TextWriter output, StatusLines lines)
    {
        Write(output, "DESTINATION", lines.Destinations);
        output.WriteLine();
        Write(output, "SOURCE -> DESTINATION", lines.Pairs);
        if (lines.Accounts.Count > 0)
        {
            output.WriteLine();
            Write(output, "TARGET ACCOUNT", lines.Accounts);
            if (lines.Destinations.All(l => l.DestinationAccount is null))
            {
                output.WriteLine("(each account's regions: amirepl status --account ACCOUNT)");
            }
        }
    }

    private static void Write(TextWriter output, string what, IEnumerable<IStatusCounts> lines) =>
        JobTableView.Write(output, [what, "WAITING", "CLAIMED", "COPYING", "AVAILABLE", "FAILED", "CANCELLED", "IN FLIGHT/BUDGET", "OLDEST WAITING"],
            [.. lines.Select(l => new[]
            {
                l.Label, Number(l.Waiting), Number(l.Claimed), Number(l.Copying), Number(l.Available), Number(l.Failed), Number(l.Cancelled),
                InFlight(l) + (l.BackOff is { } backOff ? $" ({backOff})" : ""),
                l is { OldestWaitingSince: { } since, OldestWaitingAgeSeconds: { } age } ? $"{JobTableView.Time(since)} ({Age(age)})" : "-",
            })]);

    /// <summary>Slots in use against the budget ("?": the budget is not known without the policy).</summary>
    public static string InFlight(IStatusCounts line) => $"{line.InFlight}/{(line.Budget is { } b ? Number(b) : "?")}";

    public static string Number(int n) => n.ToString(CultureInfo.InvariantCulture);

    public static string Age(long seconds) => TimeSpan.FromSeconds(seconds) switch
    {
        { TotalDays: >= 1 } t => $"{(int)t.TotalDays}d {t.Hours}h",
        { TotalHours: >= 1 } t => $"{(int)t.TotalHours}h {t.Minutes}m",
        var t => $"{(int)t.TotalMinutes}m {t.Seconds}s",
    };
}

/// <summary>What `status` and `watch` print of one line, a destination's, a pair's or a target account's.</summary>
internal interface IStatusCounts
{
    /// <summary>What the line is about, as the first column names it.</summary>
    string Label { get; }

    int Waiting { get; }
    int Claimed { get; }
    int Copying { get; }
    int Available { get; }
    int Failed { get; }
    int Cancelled { get; }
    int InFlight { get; }
    int? Budget { get; }

    /// <summary>A back-off in force (no claim until it ends), in words; null: none.</summary>
    string? BackOff { get; }

    DateTimeOffset? OldestWaitingSince { get; }
    long? OldestWaitingAgeSeconds { get; }
}

/// <summary>
/// The lines of `status`: <see cref="Destinations"/> and <see cref="Pairs"/> per region (the home account's, or the accounts
/// asked for), <see cref="Accounts"/> one per target account.
/// </summary>
internal sealed record StatusLines(IReadOnlyList<StatusLine> Destinations, IReadOnlyList<StatusLine> Pairs, IReadOnlyList<AccountLine> Accounts);

/// <summary>One line of `status`: a destination (SourceRegion null) or a source->destination pair.</summary>
internal sealed record StatusLine(
    string? SourceRegion,
    string DestinationRegion,
    string? DestinationAccount,
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
    long? OldestWaitingAgeSeconds) : IStatusCounts
{
    [JsonIgnore]
    public CopyDestination Destination => new(DestinationRegion, DestinationAccount);

    string IStatusCounts.Label => SourceRegion is null ? Destination.ToString() : $"{SourceRegion} -> {Destination}";

    string? IStatusCounts.BackOff => BackOffUntil is { } until ? $"backing off until {JobTableView.Time(until)}" : null;

    /// <summary>The line of <paramref name="scope"/>: its jobs (of <paramref name="census"/>) by state, its counter's slots in use against <paramref name="budget"/>, its oldest waiting job.</summary>
    public static StatusLine Of(SlotScope scope, JobCensus census, Dictionary<SlotScope, SlotCounter> counters, int? budget, DateTimeOffset now)
    {
        int Count(CopyJobState state) => census.Count(scope, state);
        var oldest = census.OldestWaiting(scope);
        var counter = counters.GetValueOrDefault(scope);
        return new StatusLine(
            scope.SourceRegion, scope.Destination.Region, scope.Destination.Account,
            Count(CopyJobState.Waiting), Count(CopyJobState.Claimed), Count(CopyJobState.Copying),
            Count(CopyJobState.Available), Count(CopyJobState.Failed), Count(CopyJobState.Cancelled),
            counter?.InFlight ?? 0, budget, counter?.BackOffUntil > now ? counter.BackOffUntil : null,
            oldest, oldest is { } since ? (long)(now - since).TotalSeconds : null);
    }
}

/// <summary>One target account in `status`: its regions' lines summed (the budget too: each region has its own).</summary>
internal sealed class AccountLine(string account, IReadOnlyList<StatusLine> regions) : IStatusCounts
{
    public string Account => account;
    public int Regions => regions.Count;
    public int Waiting => regions.Sum(l => l.Waiting);
    public int Claimed => regions.Sum(l => l.Claimed);
    public int Copying => regions.Sum(l => l.Copying);
    public int Available => regions.Sum(l => l.Available);
    public int Failed => regions.Sum(l => l.Failed);
    public int Cancelled => regions.Sum(l => l.Cancelled);
    public int InFlight => regions.Sum(l => l.InFlight);
    public int? Budget => regions.All(l => l.Budget is not null) ? regions.Sum(l => l.Budget) : null;
    public int RegionsBackingOff => regions.Count(l => l.BackOffUntil is not null);
    public DateTimeOffset? OldestWaitingSince => regions.Min(l => l.OldestWaitingSince);
    public long? OldestWaitingAgeSeconds => regions.Max(l => l.OldestWaitingAgeSeconds);

    string IStatusCounts.Label => $"{Account} ({Regions} {(Regions == 1 ? "region" : "regions")})";

    string? IStatusCounts.BackOff => RegionsBackingOff > 0 ? $"{RegionsBackingOff} backing off" : null;
}
