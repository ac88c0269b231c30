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
        var source = await images.DescribeImageAsync(request.SourceRegion, request.SourceImageId, cancellationToken)
            ?? throw new RequestFailedException($"source AMI {request.SourceImageId} does not exist in {request.SourceRegion}", permanent: true);
        return await ReplicateAsync(source, request, cancellationToken);
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
            ? await ReplicateAsync(image, change.AsRequest(), cancellationToken)
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
            return ProvenanceTags.IsReplicatorCopy(copy.Tags)
                ? DispatchReport.Ignored($"{copy.ImageId} is a copy made by the replicator ({key}); copies are never replicated again")
                : await ReplicateAsync(copy, new ReplicationRequest(copy.Region, copy.ImageId, null, "eventbridge", "EC2 AMI State Change: available", RequestOrigin.Event), cancellationToken);
        }

        if (job.State == CopyJobState.Copying)
        {
            var outcome = await finisher.AdvanceAsync(job, copy, cancellationToken);
            var (started, _) = await starter.StartWaitingAsync(key.DestinationRegion, options.PageSize, cancellationToken);
            log.LogInformation("Event for {TargetImageId}: {Job} {Outcome}; {Started} waiting jobs started", copy.ImageId, key, outcome, started);
        }

        return DispatchReport.Ignored($"{copy.ImageId} is the replicator's copy for {key}, now {(await store.GetAsync(key, cancellationToken))?.State}; copies are never replicated again");
    }

    private async Task<DispatchReport> ReplicateAsync(ImageInfo source, ReplicationRequest request, CancellationToken cancellationToken)
    {
        if (ProvenanceTags.IsReplicatorCopy(source.Tags))
        {
            return DispatchReport.Ignored($"{source.ImageId} is a copy made by the replicator (from {source.Tags[ProvenanceTags.SourceImageId]}); copies are never replicated again");
        }

        if (source.State != ImageState.Available)
        {
            throw new RequestFailedException($"source AMI {source.ImageId} is {source.State}, not available yet", permanent: false);
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
        foreach (var destination in DestinationsFor(request))
        {
            jobs.Add(await RecordAndStartAsync(source, destination, request, cancellationToken));
        }

        return new DispatchReport(jobs, null);
    }

    private IEnumerable<Destination> DestinationsFor(ReplicationRequest request)
    {
        var asked = request.Destinations ?? policy.Destinations.Select(d => d.Region).ToList();
        foreach (var region in asked.Distinct())
        {
            var destination = policy.FindDestination(region)
                ?? throw new RequestFailedException($"destination {region} is not in the replication policy", permanent: true);
            if (region != request.SourceRegion)
            {
                yield return destination;
            }
        }
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
        else if (job.State == CopyJobState.Failed && request.Origin == RequestOrigin.Manual)
        {
            job = await RetryFailedAsync(job, source, destination, request, now, cancellationToken) ?? job;
        }

        if (job.State == CopyJobState.Waiting && (job.NotBefore is null || job.NotBefore <= now))
        {
            await starter.TryStartAsync(job, cancellationToken);
            job = await store.GetAsync(job.Key, cancellationToken) ?? job;
        }

        return job;
    }

    private async Task<CopyJob?> RetryFailedAsync(CopyJob failed, ImageInfo source, Destination destination, ReplicationRequest request, DateTimeOffset now, CancellationToken cancellationToken)
    {
        // Planned afresh: the source or the policy may have changed since the failure, and a refusal is checked again.
        var retry = CopyRules.NewJob(source, destination, policy, request, ownAccountId, now) with
        {
            Version = failed.Version,
            Attempt = failed.Attempt + 1,
            CreatedAt = failed.CreatedAt,
            Notes = [.. failed.Notes, $"retried by {request.RequestedBy} after: {failed.LastError}"],
        };
        var result = await store.TransitionAsync(failed, retry, policy.BudgetFor(failed.Key.DestinationRegion), cancellationToken);
        log.LogInformation("Manual retry of {Job}: {Status}", failed.Key, result.Status);
        return result.Job;
    }
}

/// <summary>What a request led to: its jobs as stored, or why it was ignored.</summary>
public sealed record DispatchReport(IReadOnlyList<CopyJob> Jobs, string? IgnoredBecause)
{
    public static DispatchReport Ignored(string reason) => new([], reason);
}

/// <summary>A request that cannot be handled now; the message is redelivered and, if it keeps failing, ends in the DLQ.</summary>
public sealed class RequestFailedException(string message, bool permanent) : Exception(message)
{
    /// <summary>True when repeating will not help (the message is bound for the DLQ); false when a later delivery may succeed.</summary>
    public bool Permanent { get; } = permanent;
}
