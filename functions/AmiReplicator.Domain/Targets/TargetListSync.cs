using AmiReplicator.Domain.Images;
using AmiReplicator.Domain.Jobs;
using AmiReplicator.Domain.Policy;
using AmiReplicator.Domain.Sweep;
using Microsoft.Extensions.Logging;

namespace AmiReplicator.Domain.Targets;

/// <summary>
/// The target accounts of the policy's organizational units: read from AWS Organizations (every account below each unit, child OUs'
/// included, without the management account, the home account and accounts not ACTIVE), compared with the list in force, and written
/// with what changed, conditionally, so concurrent syncs cannot interleave. The poller syncs every <see cref="Interval"/>,
/// <c>amirepl targets sync</c> on demand; every invocation of a function loads the list once (<see cref="LoadAsync"/>). A sync that
/// fails keeps the list in force (never are all targets dropped because Organizations could not be read) and records why. Accounts
/// that joined are asked for the current builds at once (<see cref="CurrentBuilds"/>); those that left have their open jobs ended
/// TARGET_REMOVED by the next poller pass.
/// </summary>
public sealed class TargetListSync(
    IOrganization? organization,
    ITargetListStore store,
    SelectedSourceImages selected,
    IRequestQueue? requests,
    ReplicationPolicy policy,
    IReadOnlyList<string> sourceRegions,
    string homeAccountId,
    TimeProvider clock,
    ILogger<TargetListSync> log)
{
    public static readonly TimeSpan Interval = TimeSpan.FromMinutes(15);

    /// <summary>The list in force, read once per invocation and used by the whole replicator (nothing to read without units).</summary>
    public async Task LoadAsync(CancellationToken cancellationToken)
    {
        if (policy.NamesOrganizationalUnits)
        {
            policy.UseTargetList(await store.GetAsync(cancellationToken));
        }
    }

    /// <summary>The poller's: loads the list, and syncs when the last attempt is <see cref="Interval"/> old; null when no sync was due.</summary>
    public async Task<TargetSyncResult?> LoadAndSyncIfDueAsync(CancellationToken cancellationToken)
    {
        if (!policy.NamesOrganizationalUnits)
        {
            return null;
        }

        var list = await store.GetAsync(cancellationToken);
        policy.UseTargetList(list);
        return list.AttemptedAt is { } attempted && clock.GetUtcNow() - attempted < Interval ? null : await SyncAsync(list, cancellationToken);
    }

    /// <summary>Syncs now (<c>amirepl targets sync</c>).</summary>
    public async Task<TargetSyncResult> SyncAsync(CancellationToken cancellationToken) => policy.NamesOrganizationalUnits
        ? await SyncAsync(await store.GetAsync(cancellationToken), cancellationToken)
        : new TargetSyncResult(policy.TargetList, [], "no target names organizationalUnits: the targets are the accounts listed", 0);

    private async Task<TargetSyncResult> SyncAsync(TargetList current, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        Resolution found;
        try
        {
            found = organization is null
                ? throw new OrganizationAccessException("NoClient", "this replicator has no AWS Organizations client")
                : await ResolveAsync(organization, cancellationToken);
        }
        catch (OrganizationAccessException e)
        {
            log.LogError("Target list sync failed ({Code}): {Reason}; the {Count} accounts resolved at {ResolvedAt} stay targets",
                e.Code, e.Message, current.Accounts.Count, current.ResolvedAt);
            var failed = current with { AttemptedAt = now, LastError = e.Message };
            await store.TryPutAsync(failed, cancellationToken);
            return new TargetSyncResult(current, [], e.Message, 0) { ErrorCode = e.Code };
        }

        var previous = current.Accounts.ToDictionary(a => (a.Target, a.Account));
        var accounts = found.Accounts
            .Select(f => previous.TryGetValue((f.Target, f.Account), out var was) ? was with { Source = f.Source, Units = f.Units } : new TargetAccount(f.Target, f.Account, f.Source, now) { Units = f.Units })
            .ToList();
        var joined = accounts.Where(a => !previous.ContainsKey((a.Target, a.Account)))
            .Select(a => new TargetListChange(now, a.Account, a.Target, TargetChangeKind.Joined, $"found in {a.Source}"));
        var left = current.Accounts.Where(a => !found.Accounts.Any(f => f.Target == a.Target && f.Account == a.Account))
            .Select(a => new TargetListChange(now, a.Account, a.Target, TargetChangeKind.Left,
                found.Excluded.GetValueOrDefault(a.Account) ?? $"no longer in {string.Join(", ", policy.DeclaredTargets[a.Target].OrganizationalUnits)}"));
        var changes = joined.Concat(left).ToList();
        var next = new TargetList(accounts, [.. current.Changes.Concat(changes).TakeLast(TargetList.MaxChanges)])
        {
            ResolvedAt = now,
            AttemptedAt = now,
            Version = current.Version,
        };
        if (!await store.TryPutAsync(next, cancellationToken))
        {
            // Another sync wrote first: its list is as new as this one.
            var theirs = await store.GetAsync(cancellationToken);
            policy.UseTargetList(theirs);
            return new TargetSyncResult(theirs, [], null, 0);
        }

        next = next with { Version = current.Version + 1 };
        policy.UseTargetList(next);
        foreach (var change in changes)
        {
            log.LogInformation("Target account {Account} {Change} targets[{Target}]: {Why}", change.Account, change.Kind == TargetChangeKind.Joined ? "joined" : "left",
                change.Target, change.Why);
        }

        var requested = changes.Any(c => c.Kind == TargetChangeKind.Joined) ? await RequestCurrentBuildsAsync(changes, cancellationToken) : 0;
        return new TargetSyncResult(next, changes, null, requested);
    }

    /// <summary>Every account below each target's units, each once per target, with the accounts left out and why.</summary>
    private async Task<Resolution> ResolveAsync(IOrganization org, CancellationToken cancellationToken)
    {
        var info = await org.DescribeAsync(cancellationToken);
        var walked = new Dictionary<string, IReadOnlyList<FoundAccount>>(StringComparer.Ordinal);
        var accounts = new List<(int Target, string Account, string Source, IReadOnlyList<string> Units)>();
        var excluded = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < policy.DeclaredTargets.Count; i++)
        {
            foreach (var unit in policy.DeclaredTargets[i].OrganizationalUnits)
            {
                if (!walked.TryGetValue(unit, out var below))
                {
                    walked[unit] = below = await WalkAsync(org, unit, cancellationToken);
                }

                foreach (var (account, path, units) in below)
                {
                    if (WhyExcluded(account, info) is { } why)
                    {
                        excluded[account.Id] = why;
                    }
                    else if (!accounts.Any(a => a.Target == i && a.Account == account.Id))
                    {
                        accounts.Add((i, account.Id, path, units));
                    }
                }
            }
        }

        return new Resolution(accounts, excluded);
    }

    private string? WhyExcluded(OrganizationAccount account, OrganizationInfo organizationInfo) =>
        account.Id == organizationInfo.ManagementAccountId
            ? "the organization's management account: service-managed StackSets never deploy the spoke there (list it in accounts to copy into it)"
        : account.Id == homeAccountId ? "the account the replicator runs in: its regions are the destinations"
        : !account.IsActive ? $"its state is {account.State}: only ACTIVE accounts are targets"
        : null;

    /// <summary>
    /// The accounts of the unit and of every OU below it, breadth first, each with its path from the unit (by OU names, for people) and
    /// the ids of the OUs on that path (for waves naming a child OU).
    /// </summary>
    private static async Task<IReadOnlyList<FoundAccount>> WalkAsync(IOrganization org, string unit, CancellationToken cancellationToken)
    {
        var found = new List<FoundAccount>();
        var parents = new Queue<(string Id, string Path, IReadOnlyList<string> Units)>([(unit, unit, [unit])]);
        while (parents.TryDequeue(out var parent))
        {
            found.AddRange((await org.ListAccountsAsync(parent.Id, cancellationToken)).Select(a => new FoundAccount(a, parent.Path, parent.Units)));
            foreach (var child in await org.ListUnitsAsync(parent.Id, cancellationToken))
            {
                parents.Enqueue((child.Id, $"{parent.Path}/{child.Name}", [.. parent.Units, child.Id]));
            }
        }

        return found;
    }

    private sealed record FoundAccount(OrganizationAccount Account, string Path, IReadOnlyList<string> Units);

    /// <summary>
    /// Asks for the current builds, so the accounts that joined get them at once (the dispatcher makes the jobs only destinations
    /// lack): with retention's families, the newest selected AMI of each family in each source region; without, every selected AMI
    /// (each its own build, as the sweep gives an account listed by hand). Answers how many were asked for.
    /// </summary>
    private async Task<int> RequestCurrentBuildsAsync(IReadOnlyList<TargetListChange> changes, CancellationToken cancellationToken)
    {
        if (requests is null)
        {
            return 0;
        }

        var joined = string.Join(", ", changes.Where(c => c.Kind == TargetChangeKind.Joined).Select(c => c.Account).Distinct().Take(5));
        var sent = 0;
        foreach (var region in sourceRegions)
        {
            var images = new List<ImageInfo>();
            await foreach (var page in selected.ListAsync(region, null, cancellationToken))
            {
                images.AddRange(page.Images.Where(i => i.Missing.Count > 0).Select(i => i.Image));
            }

            var builds = CurrentBuilds(images, policy.Retention);
            if (builds.Count > 0)
            {
                await requests.SendAsync([.. builds.Select(b => new ReplicationRequest(region, b.ImageId, null, "targets sync",
                    $"the current build for the accounts that joined ({joined})", RequestOrigin.Sweep))], cancellationToken);
                sent += builds.Count;
            }
        }

        return sent;
    }

    /// <summary>The newest image of each family (by creation time); an image of no family is a build of its own.</summary>
    public static IReadOnlyList<ImageInfo> CurrentBuilds(IReadOnlyList<ImageInfo> images, RetentionPolicy? retention) => retention is null
        ? images
        : [.. images.GroupBy(i => retention.FamilyOf(i) ?? i.ImageId, StringComparer.Ordinal)
            .Select(g => g.OrderByDescending(i => i.CreationDate ?? DateTimeOffset.MinValue).ThenByDescending(i => i.ImageId, StringComparer.Ordinal).First())];

    private sealed record Resolution(IReadOnlyList<(int Target, string Account, string Source, IReadOnlyList<string> Units)> Accounts, IReadOnlyDictionary<string, string> Excluded);
}

/// <summary>What a sync did: the list in force after it, the changes it made, why it failed (null: it did not), the builds it asked for.</summary>
public sealed record TargetSyncResult(TargetList List, IReadOnlyList<TargetListChange> Changes, string? Error, int Requested)
{
    /// <summary>Organizations' error code when it refused (<see cref="OrganizationAccessException.Code"/>): what <c>amirepl</c> exits by.</summary>
    public string? ErrorCode { get; init; }
}
