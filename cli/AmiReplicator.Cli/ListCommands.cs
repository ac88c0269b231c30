using System.CommandLine;
using System.Globalization;
using AmiReplicator.Domain.Jobs;

namespace AmiReplicator.Cli;

/// <summary>`amirepl list` (jobs, filtered) and `amirepl show AMI` (one source AMI's jobs in full).</summary>
internal static class ListCommands
{
    public static Command List(TextWriter output)
    {
        var states = new Option<string[]>("--state") { Description = "Only jobs in these states (repeatable): WAITING, CLAIMED, COPYING, AVAILABLE, FAILED, CANCELLED." };
        var to = new Option<string[]>("--to") { Description = "Only jobs into these destination regions (repeatable)." };
        var from = new Option<string[]>("--from") { Description = "Only jobs from these source regions (repeatable)." };
        var image = new Option<string[]>("--image") { Description = "Only jobs of these source AMIs (repeatable)." };
        var since = Since("Only jobs created or changed since then");
        var account = AccountFilter.CreateOption("jobs");
        var command = new Command("list", "List copy jobs: source, destination (account/region for a target account's), state, target image, attempt, times, last error.")
        {
            states, to, from, image, since, account,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var wantedStates = (parse.GetValue(states) ?? []).Select(ParseState).ToHashSet();
            var destinations = Regions(parse.GetValue(to), "--to");
            var sources = Regions(parse.GetValue(from), "--from");
            var images = (parse.GetValue(image) ?? []).ToHashSet(StringComparer.Ordinal);
            var after = parse.GetValue(since) is { } s ? ParseSince(s, "--since") : (DateTimeOffset?)null;
            var accounts = AccountFilter.Parse(parse.GetValue(account));

            var jobs = (await ReadJobsAsync(parse, accounts, cancellationToken))
                .Where(j => wantedStates.Count == 0 || wantedStates.Contains(j.State))
                .Where(j => destinations.Count == 0 || destinations.Contains(j.Key.DestinationRegion))
                .Where(j => sources.Count == 0 || sources.Contains(j.Key.SourceRegion))
                .Where(j => images.Count == 0 || images.Contains(j.Key.SourceImageId))
                .Where(j => after is null || j.UpdatedAt >= after)
                .ToList();
            if (GlobalOptions.Json(parse))
            {
                CliJson.Write(output, new { jobs = jobs.Select(JobView.Of) });
            }
            else
            {
                JobTableView.WriteJobs(output, jobs);
            }

            return ExitCodes.Done;
        });
        return command;
    }

    public static Command Show(TextWriter output)
    {
        var image = new Argument<string>("source-ami") { Description = "The source AMI id (ami-...)." };
        var from = new Option<string?>("--from") { Description = "Its source region, when the same id could be meant in several (it cannot: AMI ids are unique)." };
        var account = AccountFilter.CreateOption("its jobs");
        var command = new Command("show", "Show one source AMI's copies: per account its jobs by state and failure codes (and its rollout, held or not), "
            + "then each destination's job: state with its times, attempts, wave, target image, notes, last error.")
        {
            image, from, account,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var imageId = parse.GetRequiredValue(image);
            var source = parse.GetValue(from) is { } f ? AwsSession.RequireKnownRegion(f, "--from") : null;
            var accounts = AccountFilter.Parse(parse.GetValue(account));
            await using var aws = AwsSession.From(parse);
            var deployment = await aws.DeploymentAsync(parse, cancellationToken);
            var jobs = (await ReadJobsAsync(aws, deployment, accounts, cancellationToken))
                .Where(j => j.Key.SourceImageId == imageId && (source is null || j.Key.SourceRegion == source))
                .ToList();
            if (jobs.Count == 0)
            {
                throw new CliException(ExitCodes.NotFound, $"no copy job for {imageId}{(source is null ? "" : $" from {source}")}{accounts.Described}");
            }

            var accountsSummary = DistributionCommands.PerAccount(jobs);
            var distributions = new List<DistributionCommands.Summary>();
            foreach (var region in jobs.Select(j => j.Key.SourceRegion).Distinct())
            {
                if (await aws.Ports(deployment).Ports.Store.GetDistributionAsync(new DistributionId(region, imageId), cancellationToken) is { } distribution)
                {
                    distributions.Add(DistributionCommands.Summary.Of(distribution));
                }
            }

            if (GlobalOptions.Json(parse))
            {
                CliJson.Write(output, new { sourceImageId = imageId, distributions, accounts = accountsSummary, jobs = jobs.Select(JobView.Of) });
            }
            else
            {
                foreach (var distribution in distributions)
                {
                    output.WriteLine($"{distribution.SourceRegion}/{distribution.SourceImageId}: {distribution.Describe()}");
                }

                foreach (var account in accountsSummary)
                {
                    output.WriteLine($"  {account}");
                }

                output.WriteLine();
                JobTableView.WriteDetails(output, jobs);
            }

            return ExitCodes.Done;
        });
        return command;
    }

    /// <summary>The jobs of the accounts <paramref name="accounts"/> keeps to.</summary>
    private static async Task<List<CopyJob>> ReadJobsAsync(ParseResult parse, AccountFilter accounts, CancellationToken cancellationToken)
    {
        await using var aws = AwsSession.From(parse);
        var deployment = await aws.DeploymentAsync(parse, cancellationToken);
        return await ReadJobsAsync(aws, deployment, accounts, cancellationToken);
    }

    /// <summary>The deployment's jobs of the accounts <paramref name="accounts"/> keeps to (its home account's id standing for home).</summary>
    public static async Task<List<CopyJob>> ReadJobsAsync(AwsSession aws, Deployment deployment, AccountFilter accounts, CancellationToken cancellationToken)
    {
        var kept = accounts.For(deployment);
        return [.. (await aws.Ports(deployment).Inspection.ListJobsAsync(cancellationToken)).Where(j => kept.Covers(j.Key.Destination))];
    }

    public static Option<string?> Since(string what) => new("--since")
    {
        Description = $"{what}: a UTC time (2026-11-25T08:00:00Z) or an age (30m, 12h, 7d).",
    };

    public static DateTimeOffset ParseSince(string text, string option)
    {
        if (text.Length > 1 && double.TryParse(text[..^1], NumberStyles.Float, CultureInfo.InvariantCulture, out var amount) && amount >= 0)
        {
            TimeSpan? age = text[^1] switch
            {
                'm' => TimeSpan.FromMinutes(amount),
                'h' => TimeSpan.FromHours(amount),
                'd' => TimeSpan.FromDays(amount),
                _ => null,
            };
            if (age is { } a)
            {
                return DateTimeOffset.UtcNow - a;
            }
        }

        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time)
            ? time
            : throw new CliException(ExitCodes.Usage, $"{option}: '{text}' is neither a time (2026-11-25T08:00:00Z) nor an age (30m, 12h, 7d)");
    }

    public static CopyJobState ParseState(string text) => Enum.TryParse<CopyJobState>(text, ignoreCase: true, out var state) && Enum.IsDefined(state)
        ? state
        : throw new CliException(ExitCodes.Usage, $"--state: '{text}' is not one of {string.Join(", ", Enum.GetValues<CopyJobState>().Select(JobView.StateName))}");

    public static HashSet<string> Regions(string[]? regions, string option) =>
        (regions ?? []).Select(r => AwsSession.RequireKnownRegion(r, option)).ToHashSet(StringComparer.Ordinal);
}
