using System.Globalization;

namespace AmiReplicator.Domain.Jobs;

/// <summary>A distribution: every copy of one source AMI, into the home account's regions and every target (account, region).</summary>
public sealed record DistributionId(string SourceRegion, string SourceImageId)
{
    public static DistributionId Of(CopyJobKey key) => new(key.SourceRegion, key.SourceImageId);

    public override string ToString() => $"{SourceRegion}/{SourceImageId}";
}

/// <summary>
/// One record per source AMI beside its jobs, so that whether every copy has ended is one read, however many accounts the jobs are
/// spread over. Its <see cref="Counts"/> change only in the write that changes a job's outcome (<see cref="DistributionTally"/>),
/// so they never drift from the jobs; the rest is the rollout's and the completed event's progress, written by
/// <see cref="Copying.DistributionProgress"/>.
/// </summary>
public sealed record Distribution
{
    public required DistributionId Key { get; init; }

    /// <summary>The jobs by tally name (<see cref="DistributionTally"/>).</summary>
    public IReadOnlyDictionary<string, long> Counts { get; init; } = new Dictionary<string, long>();

    /// <summary>Every write of the record adds one: progress is written only over the record as read.</summary>
    public long Version { get; init; }

    /// <summary>The waves started so far: 0 to this one (wave 0 starts with the build).</summary>
    public int OpenedWave { get; init; }

    /// <summary>When each wave was first seen with every copy available: its soak runs from then.</summary>
    public IReadOnlyDictionary<int, DateTimeOffset> WavesAvailableAt { get; init; } = new Dictionary<int, DateTimeOffset>();

    /// <summary>Waves whose failed targets a person let later waves go past (`amirepl rollout resume`): who, when and why.</summary>
    public IReadOnlyDictionary<int, string> WavesResumed { get; init; } = new Dictionary<int, string>();

    /// <summary>Why later waves wait for a person (a failed target), or null.</summary>
    public string? HeldReason { get; init; }

    /// <summary>The round (<see cref="Round"/>) whose completed event was sent; null: none yet.</summary>
    public long? EventSentRound { get; init; }

    /// <summary>When the poller is to look at the distribution next; null: nothing to do until a job's outcome changes.</summary>
    public DateTimeOffset? InspectAt { get; init; }

    public long Count(string name) => Counts.GetValueOrDefault(name);

    public long Total => DistributionTally.Outcomes(Counts).Values.Sum();

    /// <summary>Jobs that have not ended.</summary>
    public long Open => Count(DistributionTally.OpenOutcome);

    /// <summary>Whether every job has ended.</summary>
    public bool HasEnded => Total > 0 && Open == 0;

    /// <summary>How many times an ended job was asked for again: each time the distribution may end again, with an event of its own.</summary>
    public long Round => Count(DistributionTally.RoundName);

    /// <summary>The highest wave any job is in (-1: no job in a wave, no rollout).</summary>
    public int LastWave => Counts.Keys.Select(DistributionTally.WaveOf).Where(w => w is not null).Select(w => w!.Value).DefaultIfEmpty(-1).Max();
}

/// <summary>
/// How jobs are counted on their distribution. A job counts once under its outcome (<see cref="OpenOutcome"/> until it ends, then
/// <c>AVAILABLE</c>, <c>CANCELLED</c> or <c>FAILED:{code}</c>), once under its outcome in its wave (<c>{outcome}~W{wave}</c>) when
/// it has one, and, when it ended without a copy, once under its outcome in its account (<c>{outcome}@{account}</c>, <c>home</c>
/// for the home account): the accounts with problems are few, so the record stays small. A job asked for again after it ended
/// adds one to <see cref="RoundName"/>.
/// </summary>
public static class DistributionTally
{
    public const string OpenOutcome = "OPEN";
    public const string RoundName = "ROUND";
    public const string FailedPrefix = "FAILED:";
    private const string WaveMark = "~W";
    private const string AccountMark = "@";

    /// <summary>The outcome a job counts under.</summary>
    public static string Outcome(CopyJob job) => job.State switch
    {
        CopyJobState.Available => "AVAILABLE",
        CopyJobState.Cancelled => "CANCELLED",
        CopyJobState.Failed => FailedPrefix + (job.FailureCode ?? "UNKNOWN"),
        _ => OpenOutcome,
    };

    /// <summary>
    /// What a write moving <paramref name="from"/> (null: a new job) to <paramref name="to"/> adds to its distribution's counts; empty
    /// when the job's outcome and wave stay as they were (the moves a copy makes on its way, which never touch the record).
    /// </summary>
    public static IReadOnlyDictionary<string, long> Change(CopyJob? from, CopyJob to)
    {
        var change = new Dictionary<string, long>(StringComparer.Ordinal);
        if (from is not null && Outcome(from) == Outcome(to) && from.Wave == to.Wave)
        {
            return change;
        }

        if (from is not null)
        {
            foreach (var name in NamesOf(from))
            {
                change[name] = change.GetValueOrDefault(name) - 1;
            }

            if (from.State.IsTerminal() && !to.State.IsTerminal())
            {
                change[RoundName] = 1;
            }
        }

        foreach (var name in NamesOf(to))
        {
            change[name] = change.GetValueOrDefault(name) + 1;
        }

        return change.Where(c => c.Value != 0).ToDictionary(StringComparer.Ordinal);
    }

    /// <summary>The changes of many writes together (a transaction of new jobs).</summary>
    public static IReadOnlyDictionary<string, long> Sum(IEnumerable<IReadOnlyDictionary<string, long>> changes) =>
        changes.SelectMany(c => c).GroupBy(c => c.Key, StringComparer.Ordinal)
            .Select(g => (g.Key, Value: g.Sum(c => c.Value))).Where(c => c.Value != 0)
            .ToDictionary(c => c.Key, c => c.Value, StringComparer.Ordinal);

    private static IEnumerable<string> NamesOf(CopyJob job)
    {
        var outcome = Outcome(job);
        yield return outcome;
        if (job.Wave is { } wave)
        {
            yield return $"{outcome}{WaveMark}{wave.ToString(CultureInfo.InvariantCulture)}";
        }

        if (outcome is not OpenOutcome and not "AVAILABLE")
        {
            yield return $"{outcome}{AccountMark}{job.Key.DestinationAccount ?? "home"}";
        }
    }

    /// <summary>The jobs by outcome, whatever their wave or account.</summary>
    public static IReadOnlyDictionary<string, long> Outcomes(IReadOnlyDictionary<string, long> counts) =>
        counts.Where(c => c.Key != RoundName && !c.Key.Contains(WaveMark, StringComparison.Ordinal) && !c.Key.Contains(AccountMark, StringComparison.Ordinal) && c.Value != 0)
            .ToDictionary(c => c.Key, c => c.Value, StringComparer.Ordinal);

    /// <summary>The jobs of one wave by outcome.</summary>
    public static IReadOnlyDictionary<string, long> OutcomesOfWave(IReadOnlyDictionary<string, long> counts, int wave) =>
        counts.Where(c => WaveOf(c.Key) == wave && c.Value != 0)
            .ToDictionary(c => c.Key[..c.Key.IndexOf(WaveMark, StringComparison.Ordinal)], c => c.Value, StringComparer.Ordinal);

    /// <summary>Per account (<c>home</c> for the home account), its jobs that ended without a copy, by outcome.</summary>
    public static IReadOnlyDictionary<string, IReadOnlyDictionary<string, long>> ProblemsByAccount(IReadOnlyDictionary<string, long> counts) =>
        counts.Where(c => c.Key.Contains(AccountMark, StringComparison.Ordinal) && c.Value != 0)
            .Select(c => (Outcome: c.Key[..c.Key.IndexOf(AccountMark, StringComparison.Ordinal)], Account: c.Key[(c.Key.IndexOf(AccountMark, StringComparison.Ordinal) + 1)..], c.Value))
            .GroupBy(c => c.Account, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => (IReadOnlyDictionary<string, long>)g.ToDictionary(c => c.Outcome, c => c.Value, StringComparer.Ordinal), StringComparer.Ordinal);

    /// <summary>The wave a tally name counts, or null when it is not a wave's.</summary>
    public static int? WaveOf(string name) =>
        name.IndexOf(WaveMark, StringComparison.Ordinal) is var at and >= 0
            && int.TryParse(name.AsSpan(at + WaveMark.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var wave)
            ? wave
            : null;
}
