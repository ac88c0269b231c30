using System.CommandLine;
using AmiReplicator.Domain.Policy;
using AmiReplicator.Domain.Targets;

namespace AmiReplicator.Cli;

/// <summary>
/// `amirepl targets sync` (reads the targets' organizational units now, as the poller does every 15 minutes) and `amirepl targets
/// list` (each target's accounts: listed in the policy, or found in a unit, with the list's last sync and last error).
/// </summary>
internal static class TargetsCommands
{
    /// <summary>How many of the latest joins and departures `targets list` prints as text (JSON gives every one kept).</summary>
    private const int ChangesShown = 10;

    public static Command Create(TextWriter output) => new("targets", "The target accounts: those the policy lists and those of its organizational units.")
    {
        Sync(output),
        List(output),
    };

    private static Command Sync(TextWriter output)
    {
        var command = new Command("sync", "Read the targets' organizational units in AWS Organizations now (the poller does every 15 minutes) with your "
            + "credentials, and write the accounts found: those that joined are asked for the current builds, those that left have their open jobs "
            + "ended TARGET_REMOVED by the next poller pass. Prints who joined and who left.");
        command.SetAction(async (parse, cancellationToken) =>
        {
            await using var aws = AwsSession.From(parse);
            var deployment = await aws.DeploymentAsync(parse, cancellationToken);
            var policy = deployment.RequirePolicy("targets sync");
            if (!policy.NamesOrganizationalUnits)
            {
                throw new CliException(ExitCodes.Usage, "no target names organizationalUnits: the targets are the accounts the policy lists, there is nothing to sync");
            }

            // The home account is never a target: the sync leaves it out of the units' accounts, so it must know it.
            var homeAccount = deployment.AccountId ?? throw new CliException(ExitCodes.Usage,
                $"targets sync needs the home account's id, which the deployment parameter names: let {GlobalOptions.Parameter.Name} name the deployment");
            var sync = aws.Workflows(deployment, "targets sync", homeAccount).Targets
                ?? throw new InvalidOperationException("a deployment's workflows keep a target list in its table");
            var result = await sync.SyncAsync(cancellationToken);
            var joined = result.Changes.Where(c => c.Kind == TargetChangeKind.Joined).ToList();
            var left = result.Changes.Where(c => c.Kind == TargetChangeKind.Left).ToList();
            if (GlobalOptions.Structured(parse))
            {
                CliJson.Write(parse, output, new
                {
                    joined = joined.Select(ChangeView.Of),
                    left = left.Select(ChangeView.Of),
                    accounts = result.List.Accounts.Count,
                    resolvedAt = result.List.ResolvedAt,
                    requested = result.Requested,
                    error = result.Error,
                    errorCode = result.ErrorCode,
                });
            }
            else
            {
                WriteSync(output, result, joined, left);
            }

            return result.Error is null ? ExitCodes.Done : throw new CliException(ExitCodeOf(result.ErrorCode),
                $"the sync failed: {result.Error} (the {result.List.Accounts.Count} accounts resolved {Resolved(result.List)} stay targets)");
        });
        return command;
    }

    private static void WriteSync(TextWriter output, TargetSyncResult result, List<TargetListChange> joined, List<TargetListChange> left)
    {
        if (result.Error is null)
        {
            output.WriteLine($"{result.List.Accounts.Count} accounts in the targets' units, resolved {Resolved(result.List)}: {joined.Count} joined, {left.Count} left.");
        }

        if (result.Changes.Count > 0)
        {
            WriteChanges(output, result.Changes);
        }

        if (result.Requested > 0)
        {
            output.WriteLine($"Asked for {result.Requested} current {(result.Requested == 1 ? "build" : "builds")} for the accounts that joined.");
        }
    }

    private static Command List(TextWriter output)
    {
        var command = new Command("list", "Each target's accounts with their regions and mode, and where each comes from: listed in the policy, or the "
            + "organizational unit (and the path of child OUs) it was found in, with when it joined; then when the units were last synced, the last "
            + "error, and the latest joins and departures.");
        command.SetAction(async (parse, cancellationToken) =>
        {
            await using var aws = AwsSession.From(parse);
            var deployment = await aws.DeploymentAsync(parse, cancellationToken);
            var policy = deployment.RequirePolicy("targets list");
            var list = policy.TargetList;
            var accounts = Accounts(policy);
            if (GlobalOptions.Structured(parse))
            {
                CliJson.Write(parse, output, new
                {
                    resolvedAt = list.ResolvedAt,
                    attemptedAt = list.AttemptedAt,
                    lastError = list.LastError,
                    accounts,
                    changes = list.Changes.Select(ChangeView.Of),
                });
                return ExitCodes.Done;
            }

            JobTableView.Write(output, ["TARGET", "ACCOUNT", "REGIONS", "MODE", "SOURCE", "JOINED"],
                [.. accounts.Select(a => new[]
                {
                    a.Target.ToString(System.Globalization.CultureInfo.InvariantCulture), a.Account, string.Join(",", a.Regions), a.Mode,
                    a.Source + (a.Copied ? "" : $" (not copied here: {a.Why})"), a.JoinedAt is { } at ? JobTableView.Time(at) : "-",
                })]);
            if (policy.NamesOrganizationalUnits)
            {
                output.WriteLine();
                output.WriteLine($"Units synced {Resolved(list)}{(list.AttemptedAt is { } attempted && attempted != list.ResolvedAt ? $", last attempt {JobTableView.Time(attempted)}" : "")}.");
                if (list.LastError is { } error)
                {
                    output.WriteLine($"Last error: {error}");
                }

                if (list.Changes.Count > 0)
                {
                    output.WriteLine();
                    WriteChanges(output, list.Changes.TakeLast(ChangesShown).ToList());
                    if (list.Changes.Count > ChangesShown)
                    {
                        output.WriteLine($"({list.Changes.Count - ChangesShown} earlier changes: --output json)");
                    }
                }
            }

            return ExitCodes.Done;
        });
        return command;
    }

    /// <summary>
    /// Every target's accounts, listed ones first: an account of a unit that is a destination of an earlier target (or listed) in one of
    /// this target's regions is shown but not copied for this one (one job per destination: <see cref="TargetList.Apply"/>).
    /// </summary>
    private static List<TargetAccountView> Accounts(ReplicationPolicy policy)
    {
        var views = new List<TargetAccountView>();
        for (var i = 0; i < policy.DeclaredTargets.Count; i++)
        {
            var declared = policy.DeclaredTargets[i];
            var copied = policy.Targets[i].Accounts.ToHashSet(StringComparer.Ordinal);
            var mode = declared.SharesHomeCopy ? Target.ShareMode : Target.CopyMode;
            views.AddRange(declared.Accounts.Select(a => new TargetAccountView(i, a, declared.Regions, mode, "listed", null, true, null)));
            views.AddRange(policy.TargetList.Accounts.Where(a => a.Target == i).Select(a => new TargetAccountView(i, a.Account, declared.Regions, mode, a.Source,
                a.JoinedAt, copied.Contains(a.Account), copied.Contains(a.Account) ? null : "a destination of an earlier target in one of these regions")));
        }

        return views;
    }

    private static void WriteChanges(TextWriter output, IReadOnlyList<TargetListChange> changes) =>
        JobTableView.Write(output, ["CHANGE", "ACCOUNT", "TARGET", "AT", "WHY"],
            [.. changes.Select(c => new[]
            {
                c.Kind == TargetChangeKind.Joined ? "joined" : "left", c.Account, c.Target.ToString(System.Globalization.CultureInfo.InvariantCulture),
                JobTableView.Time(c.At), c.Why,
            })]);

    private static string Resolved(TargetList list) => list.ResolvedAt is { } at ? $"at {JobTableView.Time(at)}" : "never";

    /// <summary>The exit code of Organizations' refusal: its credentials (access denied), a unit not found, or anything else.</summary>
    private static int ExitCodeOf(string? organizationsCode) => organizationsCode switch
    {
        "AccessDeniedException" or "AccessDenied" => ExitCodes.Credentials,
        "ParentNotFoundException" or "TargetNotFoundException" => ExitCodes.NotFound,
        _ => ExitCodes.Error,
    };

    /// <summary>One target account as `targets list` prints it in JSON (<see cref="Copied"/> false: left to another target, <see cref="Why"/>).</summary>
    private sealed record TargetAccountView(int Target, string Account, IReadOnlyList<string> Regions, string Mode, string Source, DateTimeOffset? JoinedAt,
        bool Copied, string? Why);

    private sealed record ChangeView(DateTimeOffset At, string Account, int Target, string Kind, string Why)
    {
        public static ChangeView Of(TargetListChange change) =>
            new(change.At, change.Account, change.Target, change.Kind == TargetChangeKind.Joined ? "JOINED" : "LEFT", change.Why);
    }
}
