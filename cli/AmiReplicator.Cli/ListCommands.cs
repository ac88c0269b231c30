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
        var maxItems = new Option<int?>("--max-items") { Description = "Print at most this many jobs, and a token (nextToken) to pass to --starting-token for the rest." };
        var startingToken = new Option<string?>("--starting-token") { Description = "Go on from where the list that printed this token (its nextToken) stopped." };
        var command = new Command("list", "List copy jobs: source, destination (account/region for a target account's), state, target image, attempt, times, last error; "
            + "in the order of their keys (source region, AMI, destination), so that --max-items and --starting-token page through them.")
        {
            states, to, from, image, since, account, maxItems, startingToken,
        };
        CliHelp.Examples(command, "amirepl list --state FAILED --since 12h", "amirepl list --max-items 100 --output json",
            "amirepl list --max-items 100 --starting-token TOKEN", "amirepl list --output text --query 'jobs[].[sourceImageId,destinationRegion,state]'");
        command.SetAction(async (parse, cancellationToken) =>
        {
            var page = ListPage.Parse(parse.GetValue(maxItems), parse.GetValue(startingToken));
            var wantedStates = (parse.GetValue(states) ?? []).Select(ParseState).ToHashSet();
            var destinations = Regions(parse.GetValue(to), "--to");
            var sources = Regions(parse.GetValue(from), "--from");
            var images = (parse.GetValue(image) ?? []).ToHashSet(StringComparer.Ordinal);
            var after = parse.GetValue(since) is { } s ? ParseSince(s, "--since") : (DateTimeOffset?)null;
            var accounts = AccountFilter.Parse(parse.GetValue(account));

            await using var aws = AwsSession.From(parse);
            var deployment = await aws.DeploymentAsync(parse, cancellationToken);
            var kept = accounts.For(deployment);
            var inspection = aws.Ports(deployment).Inspection;
            var now = DateTimeOffset.UtcNow;
            // Some AMIs: their partitions, by key. Otherwise each (state, destination) of the index: no scan of the table.
            var read = images.Count > 0
                ? await JobsOfImagesAsync(aws, deployment, images, sources, kept, cancellationToken)
                : await TableReads.JobsInStatesAsync(inspection,
                    wantedStates.Count > 0 ? [.. wantedStates.Order()] : Enum.GetValues<CopyJobState>(),
                    [.. TableReads.Destinations(deployment.Policy, await inspection.ListCountersAsync(cancellationToken), kept)
                        .Where(d => destinations.Count == 0 || destinations.Contains(d.Region))],
                    after, now, cancellationToken);
            var jobs = read
                .Where(j => kept.Covers(j.Key.Destination))
                .Where(j => wantedStates.Count == 0 || wantedStates.Contains(j.State))
                .Where(j => destinations.Count == 0 || destinations.Contains(j.Key.DestinationRegion))
                .Where(j => sources.Count == 0 || sources.Contains(j.Key.SourceRegion))
                .Where(j => images.Count == 0 || images.Contains(j.Key.SourceImageId))
                .Where(j => after is null || j.UpdatedAt >= after)
                .OrderBy(j => j.Key.ToString(), StringComparer.Ordinal)
                .ToList();
            var (shown, nextToken) = page.Of(jobs);
            if (GlobalOptions.Structured(parse))
            {
                CliJson.Write(parse, output, new JobList([.. shown.Select(JobView.Of)], nextToken));
            }
            else
            {
                JobTableView.WriteJobs(output, shown);
                if (nextToken is not null)
                {
                    output.WriteLine($"More jobs: --starting-token {nextToken}");
                }
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
        CliHelp.Examples(command, "amirepl show ami-0123456789abcdef0", "amirepl show ami-0123456789abcdef0 --output json --query 'jobs[?state==`FAILED`]'");
        command.SetAction(async (parse, cancellationToken) =>
        {
            var imageId = parse.GetRequiredValue(image);
            var source = parse.GetValue(from) is { } f ? AwsSession.RequireKnownRegion(f, "--from") : null;
            var accounts = AccountFilter.Parse(parse.GetValue(account));
            await using var aws = AwsSession.From(parse);
            var deployment = await aws.DeploymentAsync(parse, cancellationToken);
            var jobs = await JobsOfImagesAsync(aws, deployment, [imageId], source is null ? [] : [source], accounts.For(deployment), cancellationToken);
            if (jobs.Count == 0)
            {
                throw new CliException(ExitCodes.NotFound, $"no copy job for {imageId}{(source is null ? "" : $" from {source}")}{accounts.Described}");
            }

            var accountsSummary = DistributionCommands.PerAccount(jobs);
            var distributions = new List<DistributionCommands.Summary>();
            foreach (var region in jobs.Select(j => j.Key.SourceRegion).Distinct())
            {
                if (await aws.Ports(deployment).Inspection.GetDistributionAsync(new DistributionId(region, imageId), cancellationToken) is { } distribution)
                {
                    distributions.Add(DistributionCommands.Summary.Of(distribution));
                }
            }

            if (GlobalOptions.Structured(parse))
            {
                CliJson.Write(parse, output, new { sourceImageId = imageId, distributions, accounts = accountsSummary, jobs = jobs.Select(JobView.Of) });
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

    /// <summary>
    /// The jobs of <paramref name="imageIds"/> from <paramref name="sources"/> (none: wherever the policy and the counters say jobs come
    /// from) into the accounts <paramref name="accounts"/> keeps to, read by key (see <see cref="TableReads.PartitionsOfImage"/>).
    /// </summary>
    public static async Task<List<CopyJob>> JobsOfImagesAsync(AwsSession aws, Deployment deployment, IReadOnlyCollection<string> imageIds,
        IReadOnlyCollection<string> sources, AccountFilter accounts, CancellationToken cancellationToken)
    {
        var inspection = aws.Ports(deployment).Inspection;
        var (sourceRegions, accountsRead) = TableReads.PartitionsOfImage(sources, deployment.Policy, await inspection.ListCountersAsync(cancellationToken), accounts);
        var jobs = new List<CopyJob>();
        foreach (var imageId in imageIds)
        {
            jobs.AddRange(await inspection.ListJobsOfImageAsync(imageId, sourceRegions, accountsRead, DateTimeOffset.UtcNow, cancellationToken));
        }

        return jobs;
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
