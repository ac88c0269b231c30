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
    ReplicationPolicy policy,
    string ownAccountId,
    TimeProvider clock,
    ILogger<ReplicationDispatcher> log)
{
    public async Task<DispatchReport> DispatchAsync(ReplicationRequest request, CancellationToken cancellationToken)
    {
        var source = await images.DescribeImageAsync(request.SourceRegion, request.SourceImageId, cancellationToken)
            ?? throw new RequestFailedException($"source AMI {request.SourceImageId} does not exist in {request.SourceRegion}", permanent: true);

        if (ProvenanceTags.IsReplicatorCopy(source.Tags))
        {
            return DispatchReport.Ignored($"{source.ImageId} is a copy made by the replicator (from {source.Tags[ProvenanceTags.SourceImageId]}); copies are never replicated again");
        }

        if (source.State != ImageState.Available)
        {
            throw new RequestFailedException($"source AMI {source.ImageId} is {source.State}, not available yet", permanent: false);
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
