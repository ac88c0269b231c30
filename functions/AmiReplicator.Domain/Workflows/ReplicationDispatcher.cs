using AmiReplicator.Domain.Images;
using AmiReplicator.Domain.Jobs;
using AmiReplicator.Domain.Policy;
using Microsoft.Extensions.Logging;

namespace AmiReplicator.Domain.Workflows;

/// <summary>Turns one replication request into one copy job per destination and starts what the budgets allow.</summary>
public sealed class ReplicationDispatcher(
    ICopyJobStore store,
    IImageGateway images,
    CopyStarter starter,
    CopyFinisher finisher,
    PollerOptions options,
    ReplicationPolicy policy,
    string ownAccountId,
    TimeProvider clock,
    ILogger<ReplicationDispatcher> log)
{
    /// <summary>A replication asked for by hand (or an available AMI's event, once known not to be a copy of ours).</summary>
    public async Task<DispatchReport> DispatchAsync(ReplicationRequest request, CancellationToken cancellationToken)
    {
        // The whole request is checked before anything is written: a request that cannot be done in full writes nothing.
        var destinations = DestinationsFor(request);
        var source = await images.DescribeImageAsync(request.SourceRegion, request.SourceImageId, cancellationToken)
            ?? throw new RequestFailedException($"source AMI {request.SourceImageId} does not exist in {request.SourceRegion}", permanent: true);
        return await ReplicateAsync(source, request, destinations, cancellationToken);
    }

    /// <summary>
    /// An AMI became available or failed. One of the replicator's own copies finishes its job at once (and frees its
    /// slot for waiting work) instead of starting new copies; any other available AMI is replicated by the policy.
    /// </summary>
    public async Task<DispatchReport> OnImageChangedAsync(ImageEvent change, CancellationToken cancellationToken)
    {
        var image = await images.DescribeImageAsync(change.Region, change.ImageId, cancellationToken);
        if (image is null)
        {
            return change.IsAvailable
                ? throw new RequestFailedException($"AMI {change.ImageId} is not visible in {change.Region} yet", permanent: false)
                : DispatchReport.Ignored($"{change.ImageId} in {change.Region} failed and is gone");
        }

        if (OwnCopyJobKey(image) is { } key)
        {
            return await FinishOwnCopyAsync(key, image, cancellationToken);
        }

        return change.IsAvailable
            ? await ReplicateAsync(image, change.AsRequest(), DestinationsFor(change.AsRequest()), cancellationToken)
            : DispatchReport.Ignored($"{change.ImageId} in {change.Region} failed; it is not a copy made by the replicator");
    }

    /// <summary>The job a copy of ours belongs to: by its provenance tags, or by the source EC2 reports on the copy.</summary>
    private static CopyJobKey? OwnCopyJobKey(ImageInfo image)
    {
        if (image.Tags.TryGetValue(ProvenanceTags.SourceImageId, out var sourceImageId)
            && image.Tags.TryGetValue(ProvenanceTags.SourceRegion, out var sourceRegion))
        {
            return new CopyJobKey(sourceRegion, sourceImageId, image.Region);
        }

        return image is { CopiedFromImageId: { } copiedFrom, CopiedFromRegion: { } copiedFromRegion }
            ? new CopyJobKey(copiedFromRegion, copiedFrom, image.Region)
            : null;
    }

    private async Task<DispatchReport> FinishOwnCopyAsync(CopyJobKey key, ImageInfo copy, CancellationToken cancellationToken)
    {
        var job = await store.GetAsync(key, cancellationToken);
        if (job is null || job.TargetImageId != copy.ImageId)
        {
            // EC2 names a source on every copy, also those others made: only a job's own target is ours.
            if (ProvenanceTags.IsReplicatorCopy(copy.Tags))
            {
                return DispatchReport.Ignored($"{copy.ImageId} is a copy made by the replicator ({key}); copies are never replicated again");
            }

            var request = new ReplicationRequest(copy.Region, copy.ImageId, null, "eventbridge", "EC2 AMI State Change: available", RequestOrigin.Event);
            return await ReplicateAsync(copy, request, DestinationsFor(request), cancellationToken);
        }

        if (job.State == CopyJobState.Copying)
        {
            // A finishing step that fails is recorded on the job and retried by the poller: the event itself has been handled.
            var outcome = await finisher.AdvanceAsync(job, copy, cancellationToken);
            var (started, _) = await starter.StartWaitingAsync(key.DestinationRegion, options.PageSize, cancellationToken);
            log.LogInformation("Event for {TargetImageId}: {Job} {Outcome}; {Started} waiting jobs started", copy.ImageId, key, outcome, started);
        }

        return DispatchReport.Ignored($"{copy.ImageId} is the replicator's copy for {key}, now {(await store.GetAsync(key, cancellationToken))?.State}; copies are never replicated again");
    }

    private async Task<DispatchReport> ReplicateAsync(ImageInfo source, ReplicationRequest request, IReadOnlyList<Destination> destinations, CancellationToken cancellationToken)
    {
        if (ProvenanceTags.IsReplicatorCopy(source.Tags))
        {
            return DispatchReport.Ignored($"{source.ImageId} is a copy made by the replicator (from {source.Tags[ProvenanceTags.SourceImageId]}); copies are never replicated again");
        }

        switch (source.State)
        {
            case ImageState.Available:
                break;
            case ImageState.Pending:
                throw new RequestFailedException($"source AMI {source.ImageId} is pending, not available yet", permanent: false);
            case ImageState.Disabled:
                throw new RequestFailedException($"source AMI {source.ImageId} in {source.Region} is disabled: EC2 copies only available AMIs; "
                    + "enable it (EnableImage) and ask again", permanent: true);
            default:
                throw new RequestFailedException($"source AMI {source.ImageId} in {source.Region} is {source.State.ToString().ToLowerInvariant()}: there is nothing to copy", permanent: true);
        }

        if (request.Origin == RequestOrigin.Event && policy.SourceRegions.Count > 0 && !policy.SourceRegions.Contains(source.Region))
        {
            return DispatchReport.Ignored($"{source.ImageId} is in {source.Region}, which is not one of the policy's source regions");
        }

        if (request.Origin == RequestOrigin.Event && policy.Selection.Excludes(source, ownAccountId) is { } exclusion)
        {
            return DispatchReport.Ignored($"{source.ImageId} is not selected by the policy: {exclusion}");
        }

        var jobs = new List<CopyJob>();
        foreach (var destination in destinations)
        {
            jobs.Add(await RecordAndStartAsync(source, destination, request, cancellationToken));
        }

        return new DispatchReport(jobs, null);
    }

    /// <summary>The destinations a request asks for, all in the policy (else nothing is done), the source region left out.</summary>
    private List<Destination> DestinationsFor(ReplicationRequest request)
    {
        var asked = (request.Destinations ?? policy.Destinations.Where(d => d.TakesNewCopies).Select(d => d.Region).ToList())
            .Distinct().Where(r => r != request.SourceRegion).ToList();
        if (asked.Count == 0 && request.Destinations is not null)
        {
            throw new RequestFailedException($"the only destination asked, {request.SourceRegion}, is the source's own region: there is nothing to copy", permanent: true);
        }

        var outside = asked.Where(r => policy.FindOpenDestination(r) is null).ToList();
        if (outside.Count > 0)
        {
            throw new RequestFailedException(
                $"{(outside.Count == 1 ? "destination" : "destinations")} {string.Join(", ", outside)} {(outside.Count == 1 ? "is" : "are")} not in the replication policy "
                + $"or draining (it copies to: {string.Join(", ", policy.Destinations.Where(d => d.TakesNewCopies).Select(d => d.Region))}); nothing was done", permanent: true);
        }

        return [.. asked.Select(r => policy.FindOpenDestination(r)!)];
    }

    private async Task<CopyJob> RecordAndStartAsync(ImageInfo source, Destination destination, ReplicationRequest request, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var (job, created) = await store.CreateIfAbsentAsync(
            CopyRules.NewJob(source, destination, policy, request, ownAccountId, now), cancellationToken);
        if (created)
        {
            log.LogInformation("Recorded {Job} as {State}{Error}", job.Key, job.State, job.LastError is null ? "" : $": {job.LastError}");
        }
        else if (request.Origin == RequestOrigin.Manual && await WhyAgainAsync(job, cancellationToken) is { } why)
        {
            job = await StartOverAsync(job, source, destination, request, why, now, cancellationToken) ?? job;
        }

        if (job.State == CopyJobState.Waiting && (job.NotBefore is null || job.NotBefore <= now))
        {
            if (await starter.TryStartAsync(job, cancellationToken) is not StartOutcome.DestinationFull and not StartOutcome.PairFull and not StartOutcome.BackingOff)
            {
                job = await store.GetAsync(job.Key, cancellationToken) ?? job;
            }
        }

        return job;
    }

    /// <summary>Why a job asked for again by hand starts over: it failed, was cancelled, or its copy is gone. Null: it stands as it is.</summary>
    private async Task<string?> WhyAgainAsync(CopyJob job, CancellationToken cancellationToken) => job.State switch
    {
        CopyJobState.Failed => $"it had failed: {job.LastError}",
        CopyJobState.Cancelled => $"it had been cancelled: {job.LastError}",
        CopyJobState.Available when job.TargetImageId is { } target
            && await images.DescribeImageAsync(job.Key.DestinationRegion, target, cancellationToken) is not { State: not ImageState.Deregistered }
            => $"its copy {target} was deregistered",
        _ => null,
    };

    private async Task<CopyJob?> StartOverAsync(CopyJob ended, ImageInfo source, Destination destination, ReplicationRequest request, string why,
        DateTimeOffset now, CancellationToken cancellationToken)
    {
        // Planned afresh: the source or the policy may have changed since, and a refusal is checked again.
        var again = CopyRules.NewJob(source, destination, policy, request, ownAccountId, now);
        var retry = again with
        {
            Version = ended.Version,
            Attempt = ended.Attempt + 1,
            CreatedAt = ended.CreatedAt,
            Notes = [.. ended.Notes, $"asked again by {request.RequestedBy}: {why}", .. again.Notes],
        };
        var result = await store.TransitionAsync(ended, retry, policy.BudgetFor(ended.Key.DestinationRegion), cancellationToken);
        log.LogInformation("{Job} asked again by {RequestedBy} ({Why}): {Status}", ended.Key, request.RequestedBy, why, result.Status);
        return result.Job;
    }
}

/// <summary>What a request led to: its jobs as stored, or why it was ignored.</summary>
public sealed record DispatchReport(IReadOnlyList<CopyJob> Jobs, string? IgnoredBecause)
{
    public static DispatchReport Ignored(string reason) => new([], reason);
}

/// <summary>A request that cannot be handled now: redelivered when a later delivery may succeed, dead-lettered at once when none can.</summary>
public sealed class RequestFailedException(string message, bool permanent) : Exception(message)
{
    /// <summary>True when repeating will not help (the message goes to the DLQ with its reason); false when a later delivery may succeed.</summary>
    public bool Permanent { get; } = permanent;
}
