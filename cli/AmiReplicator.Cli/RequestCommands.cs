using System.CommandLine;
using System.Globalization;
using AmiReplicator.Aws;
using AmiReplicator.Domain.Jobs;

namespace AmiReplicator.Cli;

/// <summary>`amirepl replicate` and `amirepl retry`: copy requests by hand, through the request queue the dispatcher reads.</summary>
internal static class RequestCommands
{
    private static readonly Option<string> RequestedBy = new("--requested-by") { Description = "Who asks (recorded on the jobs).", DefaultValueFactory = _ => Environment.UserName };
    private static readonly Option<string?> Reason = new("--reason") { Description = "Why (recorded on the jobs)." };

    public static Command Replicate(TextWriter output)
    {
        var image = new Argument<string>("source-ami") { Description = "The AMI to replicate (ami-...)." };
        var from = new Option<string?>("--from") { Description = "Its region (default: the home region)." };
        var to = new Option<string[]>("--to") { Description = "Only these destinations (repeatable; default: every destination of the policy)." };
        var noWait = new Option<bool>("--no-wait") { Description = "Enqueue and return, without waiting for the jobs." };
        var waitSeconds = new Option<int>("--wait-seconds") { Description = "How long to wait for the dispatcher's jobs.", DefaultValueFactory = _ => 120 };
        waitSeconds.Validators.Add(result =>
        {
            // Else a negative wait would end at once as if the dispatcher were late (exit 5).
            if (result.GetValueOrDefault<int>() < 0)
            {
                result.AddError($"--wait-seconds: {result.GetValueOrDefault<int>().ToString(CultureInfo.InvariantCulture)} is not a number of seconds (0 or more)");
            }
        });
        var command = new Command("replicate", "Enqueue a copy request for one AMI (the policy's selection is not applied; a failed or cancelled job starts over) "
            + "and print the jobs the dispatcher made.") { image, from, to, noWait, waitSeconds, RequestedBy, Reason };
        command.SetAction(async (parse, cancellationToken) =>
        {
            await using var aws = AwsSession.From(parse);
            var deployment = await aws.DeploymentAsync(parse, cancellationToken);
            var source = parse.GetValue(from) is { } f ? AwsSession.RequireKnownRegion(f, "--from") : deployment.HomeRegion;
            var imageId = parse.GetRequiredValue(image);
            var asked = ListCommands.Regions(parse.GetValue(to), "--to");
            if (deployment.Policy is { } policy && asked.FirstOrDefault(r => policy.FindOpenDestination(CopyDestination.Home(r)) is null) is { } outside)
            {
                throw new CliException(ExitCodes.Usage, $"--to: {outside} is not a destination of the policy, or it is draining");
            }

            if (await aws.Ports(deployment).Ports.Images.DescribeImageAsync(source, imageId, cancellationToken) is null)
            {
                throw new CliException(ExitCodes.NotFound, $"no AMI {imageId} in {source}");
            }

            // The destinations whose jobs to wait for: those asked, else the policy's (unknown without it: any job of the AMI).
            IReadOnlyList<string>? expected = asked.Count > 0 ? [.. asked]
                : deployment.Policy?.Destinations.Where(d => d.TakesNewCopies && d.Region != source).Select(d => d.Region).ToList();
            var before = await JobsOfAsync(aws.Ports(deployment), source, imageId, expected, cancellationToken);

            var request = new ReplicationRequest(source, imageId, asked.Count > 0 ? [.. asked] : null, parse.GetRequiredValue(RequestedBy), parse.GetValue(Reason), RequestOrigin.Manual);
            await aws.Requests(deployment).SendAsync([request], cancellationToken);
            if (parse.GetValue(noWait))
            {
                Print(parse, output, [request], []);
                return ExitCodes.Done;
            }

            var deadline = DateTimeOffset.UtcNow.AddSeconds(parse.GetValue(waitSeconds));
            while (true)
            {
                var now = await JobsOfAsync(aws.Ports(deployment), source, imageId, expected, cancellationToken);
                if (Answered(before, now, expected))
                {
                    Print(parse, output, [request], now.Values.ToList());
                    return ExitCodes.Done;
                }

                if (DateTimeOffset.UtcNow >= deadline)
                {
                    Print(parse, output, [request], now.Values.ToList());
                    throw new CliException(ExitCodes.TimedOut,
                        "the request is queued, but the dispatcher had not written every job in time (see the DLQ if it never does; --wait-seconds waits longer)");
                }

                await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
            }
        });
        return command;
    }

    public static Command Retry(TextWriter output)
    {
        var image = new Argument<string?>("source-ami") { Description = "Retry this AMI's failed and cancelled jobs.", Arity = ArgumentArity.ZeroOrOne };
        var to = new Option<string[]>("--to") { Description = "Only its jobs into these destinations (repeatable)." };
        var failed = new Option<bool>("--failed") { Description = "Retry every FAILED job (with --since, those that failed since then)." };
        var since = ListCommands.Since("With --failed: only jobs that ended since then");
        var account = AccountFilter.CreateOption("the jobs");
        var command = new Command("retry", "Ask again for failed (and, for one AMI, cancelled) jobs: one request per source AMI through the queue; "
            + "each job starts over with a new attempt. A request cannot name a target account's destination yet: for target accounts' jobs it asks "
            + "for every destination of the AMI, refused when that would start over others of its failed or cancelled jobs too.")
        {
            image, to, failed, since, account, RequestedBy, Reason,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var imageId = parse.GetValue(image);
            var all = parse.GetValue(failed);
            if ((imageId is null) == !all)
            {
                throw new CliException(ExitCodes.Usage, "retry: name a source AMI, or pass --failed (not both)");
            }

            var destinations = ListCommands.Regions(parse.GetValue(to), "--to");
            var after = parse.GetValue(since) is { } s ? ListCommands.ParseSince(s, "--since") : (DateTimeOffset?)null;
            var accounts = AccountFilter.Parse(parse.GetValue(account));
            await using var aws = AwsSession.From(parse);
            var deployment = await aws.DeploymentAsync(parse, cancellationToken);
            // What a retry may start over, every account's (see RetryRequest): the AMI's jobs by key, or the failed and cancelled ones by the index.
            var inspection = aws.Ports(deployment).Inspection;
            var table = imageId is null
                ? await TableReads.JobsInStatesAsync(inspection, [CopyJobState.Failed, CopyJobState.Cancelled],
                    TableReads.Destinations(deployment.Policy, await inspection.ListCountersAsync(cancellationToken), AccountFilter.Any), null, DateTimeOffset.UtcNow,
                    cancellationToken)
                : await ListCommands.JobsOfImagesAsync(aws, deployment, [imageId], [], AccountFilter.Any, cancellationToken);
            var kept = accounts.For(deployment);
            var jobs = table
                .Where(j => kept.Covers(j.Key.Destination))
                .Where(j => imageId is null
                    ? j.State == CopyJobState.Failed && (after is null || (j.CompletedAt ?? j.UpdatedAt) >= after)
                    : j.Key.SourceImageId == imageId && j.State is CopyJobState.Failed or CopyJobState.Cancelled)
                .Where(j => destinations.Count == 0 || destinations.Contains(j.Key.DestinationRegion))
                .ToList();
            if (jobs.Count == 0)
            {
                throw new CliException(ExitCodes.NotFound,
                    (imageId is null ? "no FAILED job to retry" : $"no failed or cancelled job of {imageId} to retry") + accounts.Described);
            }

            var requests = jobs.GroupBy(j => (j.Key.SourceRegion, j.Key.SourceImageId))
                .Select(g => RetryRequest(g.Key.SourceRegion, g.Key.SourceImageId, [.. g], table, parse.GetRequiredValue(RequestedBy), parse.GetValue(Reason) ?? "retry"))
                .ToList();
            await aws.Requests(deployment).SendAsync(requests, cancellationToken);
            Print(parse, output, requests, jobs);
            return ExitCodes.Done;
        });
        return command;
    }

    /// <summary>
    /// The request that asks again for <paramref name="jobs"/>, one AMI's: naming their regions when they are all the home account's.
    /// A request names regions of the home account only (the queue's format has no account), so for a target account's job it names
    /// none, which asks again for every destination of the AMI (as `replicate AMI` does): refused when that would also start over
    /// another of the AMI's failed or cancelled jobs (of <paramref name="table"/>), so that a retry never acts on jobs it was not asked for.
    /// </summary>
    private static ReplicationRequest RetryRequest(string source, string imageId, IReadOnlyList<CopyJob> jobs, IReadOnlyList<CopyJob> table, string requestedBy,
        string reason)
    {
        if (jobs.All(j => j.Key.DestinationAccount is null))
        {
            return new ReplicationRequest(source, imageId, [.. jobs.Select(j => j.Key.DestinationRegion).Order(StringComparer.Ordinal)], requestedBy, reason,
                RequestOrigin.Manual);
        }

        var asked = jobs.Select(j => j.Key).ToHashSet();
        var alsoStarted = table
            .Where(j => j.Key.SourceRegion == source && j.Key.SourceImageId == imageId && j.State is CopyJobState.Failed or CopyJobState.Cancelled && !asked.Contains(j.Key))
            .Select(j => j.Key.Destination.ToString()).Order(StringComparer.Ordinal).ToList();
        const int named = 3;
        return alsoStarted.Count == 0
            ? new ReplicationRequest(source, imageId, null, requestedBy, reason, RequestOrigin.Manual)
            : throw new CliException(ExitCodes.Usage,
                $"retry: a request cannot name a target account's destination yet, so asking again for {imageId} in a target account asks for all its destinations, "
                + $"which would also start over its jobs into {string.Join(", ", alsoStarted.Take(named))}{(alsoStarted.Count > named ? $" and {alsoStarted.Count - named} more" : "")}: "
                + $"retry {imageId} without --account and --to to ask for them all");
    }

    /// <summary>The AMI's jobs by destination: read by key when the destinations (the home account's regions) are known, else from the whole table.</summary>
    private static async Task<Dictionary<CopyDestination, CopyJob>> JobsOfAsync(AwsPorts aws, string source, string imageId,
        IReadOnlyList<string>? destinations, CancellationToken cancellationToken)
    {
        IEnumerable<CopyJob> jobs = destinations is null
            ? (await aws.Inspection.ListJobsAsync(cancellationToken)).Where(j => j.Key.SourceRegion == source && j.Key.SourceImageId == imageId)
            : await aws.Ports.Store.GetManyAsync([.. destinations.Select(d => new CopyJobKey(source, imageId, d))], cancellationToken);
        return jobs.ToDictionary(j => j.Key.Destination);
    }

    /// <summary>
    /// Whether the dispatcher has handled the request: every expected destination that had no job has one, and those that had
    /// failed or been cancelled (a request by hand starts them over) have moved. Without the policy to say which destinations
    /// to expect: any new or moved job.
    /// </summary>
    private static bool Answered(Dictionary<CopyDestination, CopyJob> before, Dictionary<CopyDestination, CopyJob> now, IReadOnlyList<string>? expected)
    {
        bool Moved(CopyDestination destination) =>
            now.TryGetValue(destination, out var job) && (!before.TryGetValue(destination, out var old) || old.Version != job.Version);
        return expected is null
            ? now.Keys.Any(Moved)
            : expected.Select(CopyDestination.Home)
                .All(d => before.TryGetValue(d, out var old) && old.State is not (CopyJobState.Failed or CopyJobState.Cancelled) || Moved(d));
    }

    private static void Print(ParseResult parse, TextWriter output, IReadOnlyList<ReplicationRequest> requests, List<CopyJob> jobs)
    {
        if (GlobalOptions.Json(parse))
        {
            CliJson.Write(output, new
            {
                requests = requests.Select(r => new { sourceRegion = r.SourceRegion, sourceImageId = r.SourceImageId, destinations = r.Destinations, requestedBy = r.RequestedBy, reason = r.Reason }),
                jobs = jobs.Select(JobView.Of),
            });
            return;
        }

        foreach (var r in requests)
        {
            output.WriteLine($"Enqueued: {r.SourceRegion}/{r.SourceImageId} -> {(r.Destinations is null ? "every destination of the policy" : string.Join(", ", r.Destinations))}");
        }

        if (jobs.Count > 0)
        {
            JobTableView.WriteJobs(output, jobs);
        }
    }
}
