using System.CommandLine;
using AmiReplicator.Domain.Jobs;
using AmiReplicator.Domain.Lifecycle;

namespace AmiReplicator.Cli;

/// <summary>`amirepl prune`: what retention keeps and removes in each destination, and why; removes it unless --dry-run.</summary>
internal static class PruneCommand
{
    public static Command Create(TextWriter output)
    {
        var to = new Option<string[]>("--to") { Description = "Only these destinations (repeatable); all the policy's when absent." };
        var dryRun = new Option<bool>("--dry-run") { Description = "Show what would be removed and why; change nothing." };
        var command = new Command("prune", "Apply the policy's retention now: keep the newest copies of each family per destination, deregister older "
            + "replicator copies with their snapshots (protected and keep-listed ones are kept and reported). The poller does the same with each sweep.")
        {
            to, dryRun, Confirmation.Yes,
        };
        command.Description += " Removing copies asks first on a terminal and needs --yes elsewhere.";
        CliHelp.Examples(command, "amirepl prune --dry-run", "amirepl prune --to eu-west-1 --yes");
        command.SetAction(async (parse, cancellationToken) =>
        {
            await using var aws = AwsSession.From(parse);
            var deployment = await aws.DeploymentAsync(parse, cancellationToken);
            var policy = deployment.RequirePolicy("prune");
            if (policy.Retention is null)
            {
                throw new CliException(ExitCodes.Usage, "the policy has no retention: every copy is kept");
            }

            var only = ListCommands.Regions(parse.GetValue(to), "--to");
            var destinations = policy.Destinations.Select(d => d.Region).Where(r => only.Count == 0 || only.Contains(r)).ToList();
            if (only.Except(destinations).FirstOrDefault() is { } outside)
            {
                throw new CliException(ExitCodes.Usage, $"--to: {outside} is not a destination of the policy");
            }

            var retention = aws.Workflows(deployment, "prune").Retention ?? throw new InvalidOperationException("a policy with retention has its retention");
            var dry = parse.GetValue(dryRun);
            var plans = new List<(string Destination, RetentionPlan Plan)>();
            foreach (var destination in destinations)
            {
                // The home account's regions: the operator's credentials cannot assume the spoke roles (their trust admits the functions only).
                plans.Add((destination, await retention.PlanAsync(CopyDestination.Home(destination), cancellationToken)));
            }

            var removals = plans.Sum(p => p.Plan.Decisions.Count(d => d.Action == RetentionAction.Remove));
            if (!dry && removals > 0)
            {
                Confirmation.Require(parse, output, $"prune deregisters {removals} copies with their snapshots in {string.Join(", ", plans.Where(p => p.Plan.Decisions.Any(d => d.Action == RetentionAction.Remove)).Select(p => p.Destination))}");
            }

            var results = new List<PruneResult>();
            foreach (var (destination, plan) in plans)
            {
                var removed = dry ? 0 : await retention.ApplyAsync(plan, cancellationToken);
                results.Add(new PruneResult(destination, removed, [.. plan.Decisions.Select(d => new PruneDecision(
                    d.Family, d.Copy.ImageId, d.Copy.CreationDate, d.Action == RetentionAction.Remove ? dry ? "would remove" : "remove" : "keep", d.Why))]));
            }

            if (GlobalOptions.Structured(parse))
            {
                CliJson.Write(parse, output, new { dryRun = dry, destinations = results });
            }
            else
            {
                JobTableView.Write(output, ["DESTINATION", "FAMILY", "IMAGE", "CREATED", "ACTION", "WHY"],
                    [.. results.SelectMany(r => r.Decisions.Select(d => new[] { r.DestinationRegion, d.Family, d.ImageId, d.CreatedAt is { } created ? JobTableView.Time(created) : "-", d.Action, d.Why }))]);
                if (!dry)
                {
                    foreach (var r in results)
                    {
                        output.WriteLine($"{r.DestinationRegion}: {r.Removed} removed with their snapshots");
                    }
                }
            }

            return ExitCodes.Done;
        });
        return command;
    }
}

/// <summary>What `prune` planned and did in one destination.</summary>
internal sealed record PruneResult(string DestinationRegion, int Removed, IReadOnlyList<PruneDecision> Decisions);

/// <summary>One copy's fate: kept or removed, and why.</summary>
internal sealed record PruneDecision(string Family, string ImageId, DateTimeOffset? CreatedAt, string Action, string Why);
