using System.CommandLine;
using AmiReplicator.Aws.Sqs;
using AmiReplicator.Domain.Jobs;
using AmiReplicator.Domain.Policy;
using AmiReplicator.Domain.Sweep;
using Spectre.Console;

namespace AmiReplicator.Cli;

/// <summary>
/// `amirepl backfill`: the AMIs that already exist in the source regions, listed and selected as the sweep does
/// (<see cref="SelectedSourceImages"/>), narrowed by the options; each one lacking a job for some destination is requested
/// through the queue as the sweep requests it (the dispatcher applies the selection again and leaves existing jobs alone).
/// </summary>
internal static class BackfillCommand
{
    /// <summary>Copies above which backfill asks before it sends (or needs --yes).</summary>
    public const int ConfirmAbove = 100;

    /// <summary>Requests sent between two steps of the progress bar.</summary>
    private const int RequestsPerStep = 50;

    public static Command Create(TextWriter output)
    {
        var from = new Option<string[]>("--from") { Description = "Source regions to list (repeatable; default: the policy's sourceRegions, else the home region)." };
        var since = ListCommands.Since("Only AMIs created since then");
        var tags = new Option<string[]>("--tag") { Description = "Only AMIs with this tag, KEY=VALUE (repeatable: all must hold)." };
        var names = new Option<string[]>("--name") { Description = "Only AMIs whose name matches this pattern (* and ? wildcards; repeatable: any may match)." };
        var owners = new Option<string[]>("--owner") { Description = "Only AMIs of these owners: self or an account id (repeatable)." };
        var dryRun = new Option<bool>("--dry-run") { Description = "List the AMIs with what would be copied where and what is already done; enqueue nothing." };
        var accountId = new Option<string?>("--account-id") { Description = "The deployment's account (what owner 'self' means), when the deployment parameter is not read." };
        var reason = new Option<string?>("--reason") { Description = "Why (recorded on the jobs).", DefaultValueFactory = _ => "backfill" };
        var command = new Command("backfill", "Enqueue a copy request for every existing available AMI of the source regions that the policy selects and the "
            + "options match (never the replicator's own copies) and that lacks a job for some destination; print a summary.")
        {
            from, since, tags, names, owners, dryRun, accountId, Requester.RequestedBy, reason, Confirmation.Yes,
        };
        command.Description += $" Above {ConfirmAbove} copies it asks first on a terminal and needs --yes elsewhere.";
        CliHelp.Examples(command, "amirepl backfill --dry-run --since 30d", "amirepl backfill --tag team=platform --name 'golden-*' --yes");
        command.SetAction(async (parse, cancellationToken) =>
        {
            var filter = new ImageFilter(
                new Selection(Tags(parse.GetValue(tags)), parse.GetValue(names) ?? [], Owners(parse.GetValue(owners))),
                parse.GetValue(since) is { } s ? ListCommands.ParseSince(s, "--since") : null);
            await using var aws = AwsSession.From(parse);
            var deployment = await aws.DeploymentAsync(parse, cancellationToken);
            var policy = deployment.RequirePolicy("backfill");
            var account = parse.GetValue(accountId) ?? deployment.AccountId;
            if (account is null && policy.Selection.OwnerAccounts.Concat(filter.Selection.OwnerAccounts).Contains(Selection.Self))
            {
                throw new CliException(ExitCodes.Usage, "backfill: owner 'self' needs the deployment's account: pass --account-id (the deployment parameter names it)");
            }

            var asked = ListCommands.Regions(parse.GetValue(from), "--from");
            IReadOnlyList<string> regions = asked.Count > 0 ? [.. asked] : policy.SourceRegions.Count > 0 ? policy.SourceRegions : [deployment.HomeRegion];
            var selected = aws.Workflows(deployment, "backfill", account).SelectedSources;
            var draw = CliConsole.CanDraw(output, parse);
            var json = GlobalOptions.Structured(parse);

            var found = new List<SelectedImage>();
            var listed = 0;
            foreach (var region in regions)
            {
                var before = found.Count;
                await foreach (var page in selected.ListAsync(region, filter, cancellationToken))
                {
                    listed += page.Listed;
                    found.AddRange(page.Images);
                }

                if (!json)
                {
                    output.WriteLine($"{region}: {found.Count - before} AMIs selected");
                }
            }

            var toRequest = found.Where(i => i.Missing.Count > 0).ToList();
            var dry = parse.GetValue(dryRun);
            if (!dry)
            {
                var copies = toRequest.Sum(i => i.Missing.Count);
                if (copies > ConfirmAbove)
                {
                    Confirmation.Require(parse, output, $"backfill requests {toRequest.Count} AMIs ({copies} copies)");
                }

                var requestedBy = await Requester.ResolveAsync(parse, aws, cancellationToken);
                var requests = toRequest.Select(i => new ReplicationRequest(i.Image.Region, i.Image.ImageId, null, requestedBy,
                    parse.GetValue(reason), RequestOrigin.Sweep)).ToList();
                await SendAsync(aws.Requests(deployment), requests, draw ? null : json ? TextWriter.Null : output, cancellationToken);
            }

            var summary = new BackfillSummary(regions, listed, found.Count, found.Count - toRequest.Count, dry ? 0 : toRequest.Count, toRequest.Sum(i => i.Missing.Count));
            if (json)
            {
                CliJson.Write(parse, output, new { dryRun = dry, images = found.Select(BackfillImage.Of), summary });
                return ExitCodes.Done;
            }

            if (dry)
            {
                JobTableView.Write(output, ["SOURCE", "NAME", "CREATED", "DESTINATION", "WHAT"],
                    [.. found.SelectMany(i => i.Destinations.Select(d => new[]
                    {
                        $"{i.Image.Region}/{i.Image.ImageId}", i.Image.Name, i.Image.CreationDate is { } c ? JobTableView.Time(c) : "-", d.Destination.ToString(),
                        d.Job is { } job ? $"has a job: {JobView.StateName(job.State)}" : "would copy",
                    }))]);
            }

            output.WriteLine($"{summary.Selected} AMIs selected in {string.Join(", ", regions)} ({summary.Listed} listed); "
                + $"{summary.AlreadyRequested} have a job for every destination; "
                + (dry ? $"{toRequest.Count} would be requested ({summary.Copies} copies)." : $"{summary.Enqueued} requested ({summary.Copies} copies)."));
            return ExitCodes.Done;
        });
        return command;
    }

    /// <summary>Sends the requests a step at a time: a progress bar on a terminal, else a line per step to <paramref name="plain"/>.</summary>
    private static async Task SendAsync(SqsRequestQueue queue, List<ReplicationRequest> requests, TextWriter? plain, CancellationToken cancellationToken)
    {
        if (plain is not null)
        {
            var sent = 0;
            foreach (var step in requests.Chunk(RequestsPerStep))
            {
                await queue.SendAsync(step, cancellationToken);
                sent += step.Length;
                plain.WriteLine($"Enqueued {sent}/{requests.Count}");
            }

            return;
        }

        await CliConsole.Terminal.Progress().StartAsync(async progress =>
        {
            var task = progress.AddTask("Enqueuing requests", maxValue: Math.Max(1, requests.Count));
            foreach (var step in requests.Chunk(RequestsPerStep))
            {
                await queue.SendAsync(step, cancellationToken);
                task.Increment(step.Length);
            }

            task.Value = task.MaxValue;
        });
    }

    private static Dictionary<string, string> Tags(string[]? values)
    {
        var tags = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var value in values ?? [])
        {
            if (value.Split('=', 2) is not [{ Length: > 0 } key, var tagValue])
            {
                throw new CliException(ExitCodes.Usage, $"--tag: '{value}' is not KEY=VALUE");
            }

            tags[key] = tagValue;
        }

        return tags;
    }

    private static string[] Owners(string[]? values) =>
        [.. (values ?? []).Select(o => o == Selection.Self || AccountFilter.IsAccountId(o) ? o : throw new CliException(ExitCodes.Usage, $"--owner: '{o}' is neither self nor a 12-digit account id"))];
}

/// <summary>What `backfill` found and did.</summary>
internal sealed record BackfillSummary(IReadOnlyList<string> SourceRegions, int Listed, int Selected, int AlreadyRequested, int Enqueued, int Copies);

/// <summary>A selected AMI as `backfill --output json` prints it: each destination with its job's state (null: none yet, so a copy is asked for).</summary>
internal sealed record BackfillImage(string SourceRegion, string SourceImageId, string Name, DateTimeOffset? CreatedAt, IReadOnlyList<BackfillDestination> Destinations)
{
    public static BackfillImage Of(SelectedImage image) => new(image.Image.Region, image.Image.ImageId, image.Image.Name, image.Image.CreationDate,
        [.. image.Destinations.Select(d => new BackfillDestination(d.Destination.Region, d.Destination.Account, d.Job is null ? "copy" : "none", d.Job is { } job ? JobView.StateName(job.State) : null))]);
}

/// <summary>One destination of a selected AMI (a target account's names the account): "copy" when it has no job there, else "none" and the job's state.</summary>
internal sealed record BackfillDestination(string DestinationRegion, string? DestinationAccount, string Action, string? State);
