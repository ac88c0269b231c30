using System.CommandLine;
using System.Globalization;
using AmiReplicator.Aws;
using AmiReplicator.Domain.Images;
using AmiReplicator.Domain.Jobs;
using AmiReplicator.Messages;

namespace AmiReplicator.Cli;

/// <summary>`amirepl replicate` and `amirepl retry`: copy requests by hand, through the request queue the dispatcher reads.</summary>
internal static class RequestCommands
{
    private static readonly Option<string?> Reason = new("--reason") { Description = "Why (recorded on the jobs)." };

    private static readonly Option<bool> NoWait = new("--no-wait") { Description = "Enqueue and return, without waiting for the dispatcher's answer." };

    private static readonly Option<int> WaitSeconds = new("--wait-seconds")
    {
        Description = "How long to wait for the dispatcher's answer: the jobs it made, or the request given to the DLQ with its reason.",
        DefaultValueFactory = _ => 120,
    };

    static RequestCommands() => WaitSeconds.Validators.Add(result =>
    {
        // Else a negative wait would end at once as if the dispatcher were late (exit 5). A value that is no number at all the parser reports itself.
        if (result.Tokens is [.., var last] && last.Value is var given && int.TryParse(given, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var seconds) && seconds < 0)
        {
            result.AddError($"--wait-seconds: {seconds.ToString(CultureInfo.InvariantCulture)} is not a number of seconds (0 or more)");
        }
    });

    public static Command Replicate(TextWriter output)
    {
        var image = new Argument<string>("source-ami") { Description = "The AMI to replicate (ami-...)." };
        var from = new Option<string?>("--from") { Description = "Its region (default: the home region)." };
        var to = new Option<string[]>("--to") { Description = "Only these destinations (repeatable; default: every destination of the policy)." };
        var command = new Command("replicate", "Enqueue a copy request for one AMI (the policy's selection is not applied; a failed or cancelled job starts over) "
            + "and print the jobs the dispatcher made; a request the dispatcher refuses (it goes to the DLQ) is reported with its reason and exits 6.")
        {
            image, from, to, NoWait, WaitSeconds, Requester.RequestedBy, Reason,
        };
        CliHelp.Examples(command, "amirepl replicate ami-0123456789abcdef0", "amirepl replicate ami-0123456789abcdef0 --to eu-west-1 --reason 'hotfix' --no-wait");
        command.SetAction(async (parse, cancellationToken) =>
        {
            var imageId = RequireImageId(parse.GetRequiredValue(image), "source-ami");
            await using var aws = AwsSession.From(parse);
            var deployment = await aws.DeploymentAsync(parse, cancellationToken);
            var source = parse.GetValue(from) is { } f ? AwsSession.RequireKnownRegion(f, "--from") : deployment.HomeRegion;
            var asked = ListCommands.Regions(parse.GetValue(to), "--to");
            if (deployment.Policy is { } policy && asked.FirstOrDefault(r => policy.FindOpenDestination(CopyDestination.Home(r)) is null) is { } outside)
            {
                throw new CliException(ExitCodes.Usage, $"--to: {outside} is not a destination of the policy, or it is draining");
            }

            if (await WhyNotCopyableAsync(aws.Ports(deployment), source, imageId, cancellationToken) is { } why)
            {
                throw new CliException(why.Missing ? ExitCodes.NotFound : ExitCodes.Refused, why.Text);
            }

            // The destinations whose jobs to wait for: those asked, else the policy's (unknown without it: any job of the AMI).
            IReadOnlyList<string>? expected = asked.Count > 0 ? [.. asked]
                : deployment.Policy?.Destinations.Where(d => d.TakesNewCopies && d.Region != source).Select(d => d.Region).ToList();
            var before = await JobsOfAsync(aws.Ports(deployment), source, imageId, expected, cancellationToken);
            var request = new ReplicationRequest(source, imageId, asked.Count > 0 ? [.. asked] : null, await Requester.ResolveAsync(parse, aws, cancellationToken),
                parse.GetValue(Reason), RequestOrigin.Manual);
            return await SendAndAwaitAsync(parse, output, aws, deployment, [new Asked(request, before, expected)], [], [], cancellationToken);
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
            + "for every destination of the AMI, refused when that would start over others of its failed or cancelled jobs too. A request that would be "
            + "refused (its source AMI gone or not available, a destination the policy no longer copies to) is not sent; one the dispatcher refuses "
            + "is reported with its reason; either exits 6.")
        {
            image, to, failed, since, account, NoWait, WaitSeconds, Requester.RequestedBy, Reason,
        };
        CliHelp.Examples(command, "amirepl retry ami-0123456789abcdef0", "amirepl retry --failed --since 12h", "amirepl retry --failed --no-wait --output json");
        command.SetAction(async (parse, cancellationToken) =>
        {
            var imageId = parse.GetValue(image) is { } given ? RequireImageId(given, "source-ami") : null;
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

            var requestedBy = await Requester.ResolveAsync(parse, aws, cancellationToken);
            var asked = new List<Asked>();
            var refused = new List<Refusal>();
            foreach (var ami in jobs.GroupBy(j => (j.Key.SourceRegion, j.Key.SourceImageId)))
            {
                var request = RetryRequest(ami.Key.SourceRegion, ami.Key.SourceImageId, [.. ami], table, requestedBy, parse.GetValue(Reason) ?? "retry");
                var why = WhyRefused(deployment, request) ?? (await WhyNotCopyableAsync(aws.Ports(deployment), request.SourceRegion, request.SourceImageId, cancellationToken))?.Text;
                if (why is not null)
                {
                    refused.Add(Refusal.Of(request, $"not sent: {why}"));
                    continue;
                }

                asked.Add(new Asked(request, table.Where(j => j.Key.SourceRegion == request.SourceRegion && j.Key.SourceImageId == request.SourceImageId)
                    .ToDictionary(j => j.Key.Destination), request.Destinations));
            }

            var retried = jobs.Where(j => asked.Any(a => a.Request.SourceRegion == j.Key.SourceRegion && a.Request.SourceImageId == j.Key.SourceImageId)).ToList();
            return await SendAndAwaitAsync(parse, output, aws, deployment, asked, refused, retried, cancellationToken);
        });
        return command;
    }

    /// <summary>A request about to be sent: the AMI's jobs before it, and the destinations whose jobs answer it (null: any job of the AMI that moves).</summary>
    private sealed record Asked(ReplicationRequest Request, Dictionary<CopyDestination, CopyJob> Before, IReadOnlyList<string>? Expected);

    /// <summary>
    /// Sends the requests, then (unless --no-wait) waits until the dispatcher answered each one: its jobs, or the request given to the
    /// DLQ (found there by its message id) with the reason; prints requests, refusals and jobs. Exits 6 when any request was refused
    /// (<paramref name="refused"/>: already, without sending), 5 when the dispatcher had not answered every one in time. With --no-wait
    /// the jobs printed are <paramref name="asWere"/> (those asked for again, as they were).
    /// </summary>
    private static async Task<int> SendAndAwaitAsync(ParseResult parse, TextWriter output, AwsSession aws, Deployment deployment, List<Asked> asked,
        List<Refusal> refused, List<CopyJob> asWere, CancellationToken cancellationToken)
    {
        var total = asked.Count + refused.Count;
        var ids = asked.Count == 0 ? [] : await aws.Requests(deployment).SendReturningIdsAsync([.. asked.Select(a => a.Request)], cancellationToken);
        var open = asked.Zip(ids, (a, id) => (Asked: a, MessageId: id)).ToList();
        var jobs = parse.GetValue(NoWait) ? asWere : [];
        var timedOut = false;
        if (!parse.GetValue(NoWait) && open.Count > 0)
        {
            var queues = await aws.QueuesAsync(parse, deployment, cancellationToken);
            var deadline = DateTimeOffset.UtcNow.AddSeconds(parse.GetValue(WaitSeconds));
            while (true)
            {
                foreach (var pending in open.ToList())
                {
                    var (request, before, expected) = pending.Asked;
                    var now = await JobsOfAsync(aws.Ports(deployment), request.SourceRegion, request.SourceImageId, expected, cancellationToken);
                    if (Answered(before, now, expected) || DateTimeOffset.UtcNow >= deadline)
                    {
                        jobs.AddRange(now.Values);
                        open.Remove(pending);
                        timedOut |= !Answered(before, now, expected);
                    }
                }

                var dead = open.Count == 0 ? [] : await queues.DeadLettersOfAsync([.. open.Select(o => o.MessageId)], cancellationToken);
                foreach (var pending in open.Where(o => dead.ContainsKey(o.MessageId)).ToList())
                {
                    refused.Add(Refusal.Of(pending.Asked.Request, $"refused by the dispatcher (in the DLQ as {dead[pending.MessageId].MessageId}): {dead[pending.MessageId].Reason}"));
                    open.Remove(pending);
                }

                if (open.Count == 0)
                {
                    break;
                }

                await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
            }
        }

        Print(parse, output, [.. asked.Select(a => a.Request).Where(r => !refused.Any(f => f.Request == r))], jobs, refused);
        if (refused.Count > 0)
        {
            throw new CliException(ExitCodes.Refused, total == 1
                ? $"{refused[0].SourceImageId}: {refused[0].Reason}"
                : $"{refused.Count} of {total} requests were refused (see each one's reason)");
        }

        return timedOut
            ? throw new CliException(ExitCodes.TimedOut,
                "the request is queued, but the dispatcher had not written every job in time (see the DLQ if it never does; --wait-seconds waits longer)")
            : ExitCodes.Done;
    }

    /// <summary>Why the dispatcher would refuse <paramref name="request"/> for its destinations: one the policy no longer copies to (null: it would not).</summary>
    private static string? WhyRefused(Deployment deployment, ReplicationRequest request) =>
        deployment.Policy is { } policy && request.Destinations?.FirstOrDefault(r => policy.FindOpenDestination(CopyDestination.Home(r)) is null) is { } gone
            ? $"{gone} is no longer a destination of the policy, or it is draining: the dispatcher refuses a request naming it"
            : null;

    /// <summary>Why EC2 cannot copy the source (null: it can, or will once pending ends); <c>Missing</c>: it does not exist.</summary>
    private static async Task<(string Text, bool Missing)?> WhyNotCopyableAsync(AwsPorts aws, string source, string imageId, CancellationToken cancellationToken) =>
        await aws.Ports.Images.DescribeImageAsync(source, imageId, cancellationToken) switch
        {
            null => ($"no AMI {imageId} in {source}", true),
            { State: ImageState.Available or ImageState.Pending } => null,
            { State: var state } => ($"source AMI {imageId} in {source} is {state.ToString().ToLowerInvariant()}: EC2 copies only available AMIs", false),
        };

    private static string RequireImageId(string text, string input) => InboundMessage.IsImageId(text)
        ? text
        : throw new CliException(ExitCodes.Usage, $"{input}: '{text}' is not an AMI id (ami- and 8 or 17 hex digits)");

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

    private static void Print(ParseResult parse, TextWriter output, IReadOnlyList<ReplicationRequest> requests, List<CopyJob> jobs, List<Refusal> refused)
    {
        if (GlobalOptions.Structured(parse))
        {
            CliJson.Write(parse, output, new
            {
                requests = requests.Select(r => new { sourceRegion = r.SourceRegion, sourceImageId = r.SourceImageId, destinations = r.Destinations, requestedBy = r.RequestedBy, reason = r.Reason }),
                refused,
                jobs = jobs.Select(JobView.Of),
            });
            return;
        }

        foreach (var r in requests)
        {
            output.WriteLine($"Enqueued: {r.SourceRegion}/{r.SourceImageId} -> {(r.Destinations is null ? "every destination of the policy" : string.Join(", ", r.Destinations))}");
        }

        foreach (var r in refused)
        {
            output.WriteLine($"Refused: {r.SourceRegion}/{r.SourceImageId}: {r.Reason}");
        }

        if (jobs.Count > 0)
        {
            JobTableView.WriteJobs(output, jobs);
        }
    }
}

/// <summary>A request refused: not sent (the CLI knew the dispatcher would refuse it), or given to the DLQ by the dispatcher, and why.</summary>
internal sealed record Refusal(string SourceRegion, string SourceImageId, IReadOnlyList<string>? Destinations, string Reason)
{
    [System.Text.Json.Serialization.JsonIgnore]
    public ReplicationRequest? Request { get; private init; }

    public static Refusal Of(ReplicationRequest request, string reason) => new(request.SourceRegion, request.SourceImageId, request.Destinations, reason) { Request = request };
}
