using AmiReplicator.Domain.Jobs;

namespace AmiReplicator.Domain.Policy;

/// <summary>
/// The target accounts the policy's organizational units held when last resolved (<c>TargetListSync</c>), and what changed: one list,
/// kept in the job table, that every function and <c>amirepl</c> read (<see cref="ReplicationPolicy.UseTargetList"/>). The accounts a
/// target lists by hand are not in it: they are the policy's.
/// </summary>
/// <param name="Accounts">The accounts of the units, each with the target (its index in the policy) it is in and where it came from.</param>
/// <param name="Changes">The latest joins and departures, newest last (at most <see cref="MaxChanges"/>).</param>
public sealed record TargetList(IReadOnlyList<TargetAccount> Accounts, IReadOnlyList<TargetListChange> Changes)
{
    /// <summary>How many changes the list keeps: enough to end a departed account's jobs (the next poller pass does) and to show history.</summary>
    public const int MaxChanges = 500;

    public static TargetList Empty { get; } = new([], []);

    /// <summary>
    /// How long after joining an account whose spoke role cannot be assumed yet is waited for rather than failed ROLE_DENIED: the
    /// StackSet's auto-deployment deploys the spoke into a joined account within minutes.
    /// </summary>
    public static readonly TimeSpan SpokeGrace = TimeSpan.FromHours(1);

    /// <summary>Whether the account joined a target's units less than <see cref="SpokeGrace"/> before <paramref name="now"/>.</summary>
    public bool JoinedWithinGrace(string account, DateTimeOffset now) => JoinedAt(account) is { } joined && now - joined < SpokeGrace;

    /// <summary>When the organization was last read successfully (null: never, so only the accounts listed by hand are targets).</summary>
    public DateTimeOffset? ResolvedAt { get; init; }

    /// <summary>When a sync was last attempted, successful or not.</summary>
    public DateTimeOffset? AttemptedAt { get; init; }

    /// <summary>Why the last attempt failed (null: it succeeded); the accounts resolved before stay in force.</summary>
    public string? LastError { get; init; }

    /// <summary>The stored item's version: each write is conditional on it.</summary>
    public long Version { get; init; }

    /// <summary>
    /// The declared targets with the accounts of their units added to the ones they list. An account of a unit that is already a
    /// destination in one of the target's regions (listed by hand, or in an earlier target) is left to that one: one job per destination.
    /// </summary>
    public IReadOnlyList<Target> Apply(IReadOnlyList<Target> declared)
    {
        var taken = declared.SelectMany(t => t.Destinations()).Select(d => d.Key).ToHashSet();
        return [.. declared.Select((target, i) =>
        {
            if (target.OrganizationalUnits.Count == 0)
            {
                return target;
            }

            var added = new List<string>();
            foreach (var account in Accounts.Where(a => a.Target == i).Select(a => a.Account))
            {
                var destinations = target.Regions.Select(r => new CopyDestination(r, account)).ToList();
                if (destinations.All(d => !taken.Contains(d)))
                {
                    taken.UnionWith(destinations);
                    added.Add(account);
                }
            }

            return target with { Accounts = [.. target.Accounts, .. added] };
        })];
    }

    /// <summary>When the account joined one of the units (null: it is not an account of the units).</summary>
    public DateTimeOffset? JoinedAt(string account) => Accounts.FirstOrDefault(a => a.Account == account)?.JoinedAt;

    /// <summary>Whether the account was one of the units' and has left them (moved out, suspended, closed, or removed from the organization).</summary>
    public bool HasLeft(string account) =>
        Accounts.All(a => a.Account != account) && Changes.LastOrDefault(c => c.Account == account)?.Kind == TargetChangeKind.Left;
}

/// <summary>An account of a target's organizational units.</summary>
/// <param name="Target">The target's index in the policy's <c>targets</c>.</param>
/// <param name="Source">Where it was found: the unit the policy names and the path of child OUs below it ("ou-ab12-34567890/prod/web").</param>
/// <param name="JoinedAt">When a sync first found it (its spoke may take minutes to arrive: see <see cref="TargetList.JoinedAt"/>).</param>
public sealed record TargetAccount(int Target, string Account, string Source, DateTimeOffset JoinedAt)
{
    /// <summary>
    /// The ids of the OUs on its path: the unit the policy names, then each child OU down to the account's parent (a list written before
    /// units were recorded reads as none until the next sync).
    /// </summary>
    public IReadOnlyList<string> Units { get; init; } = [];
}

/// <summary>One account joining or leaving a target's units, as a sync saw it.</summary>
public sealed record TargetListChange(DateTimeOffset At, string Account, int Target, TargetChangeKind Kind, string Why);

public enum TargetChangeKind
{
    Joined,
    Left,
}
