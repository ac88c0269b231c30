using AmiReplicator.Domain.Images;
using AmiReplicator.Domain.Jobs;
using AmiReplicator.Domain.Policy;
using Microsoft.Extensions.Logging;

namespace AmiReplicator.Domain.Workflows;

/// <summary>
/// EC2's AMI events are best effort, and an AMI another account shares raises none here at all. Every
/// <see cref="ReplicationPolicy.SweepInterval"/> the sweep lists each source region's available AMIs the policy selects (EC2's
/// filters do most of the selecting) and sends a request for each one that lacks a job for some destination; the dispatcher
/// handles it as an event. Its cost is a DescribeImages call per page of images, a read per 100 jobs and a send per 10 requests.
/// Then the copies made from the region follow what changed of their sources (<see cref="LifecycleFollower"/>).
/// </summary>
public sealed class SourceSweep(
    ICopyJobStore store,
    IImageGateway images,
    IRequestQueue requests,
    ReplicationPolicy policy,
    IReadOnlyList<string> sourceRegions,
    string ownAccountId,
    TimeProvider clock,
    ILogger<SourceSweep> log,
    LifecycleFollower? lifecycle = null)
{
    private const int KeysPerRead = 100;

    /// <summary>Sweeps each source region whose sweep is due (and not taken by another poller); answers the requests sent.</summary>
    public async Task<int> RunIfDueAsync(CancellationToken cancellationToken)
    {
        if (policy.SweepInterval is not { } interval)
        {
            return 0;
        }

        var sent = 0;
        foreach (var region in sourceRegions)
        {
            if (await store.TryStartSweepAsync(region, clock.GetUtcNow(), interval, cancellationToken))
            {
                sent += await SweepAsync(region, cancellationToken);
                if (lifecycle is not null)
                {
                    await lifecycle.FollowAsync(region, cancellationToken);
                }
            }
        }

        return sent;
    }

    private async Task<int> SweepAsync(string region, CancellationToken cancellationToken)
    {
        var destinations = policy.Destinations.Where(d => d.TakesNewCopies && d.Region != region).Select(d => d.Region).ToList();
        if (destinations.Count == 0)
        {
            return 0;
        }

        var owners = policy.Selection.OwnerAccounts.Count > 0 ? policy.Selection.OwnerAccounts : [Selection.Self];
        var (listed, sent) = (0, 0);
        var batch = new List<ImageInfo>();
        await foreach (var image in images.ListAvailableImagesAsync(region, owners, policy.Selection.NamePatterns, policy.Selection.Tags, cancellationToken))
        {
            listed++;
            if (ProvenanceTags.IsReplicatorCopy(image.Tags) || policy.Selection.Excludes(image, ownAccountId) is not null)
            {
                continue;
            }

            batch.Add(image);
            if ((batch.Count + 1) * destinations.Count > KeysPerRead)
            {
                sent += await RequestMissingAsync(region, batch, destinations, cancellationToken);
                batch.Clear();
            }
        }

        sent += await RequestMissingAsync(region, batch, destinations, cancellationToken);
        log.LogInformation("Swept {SourceRegion}: {Listed} available AMIs listed, {Sent} without a job for every destination requested", region, listed, sent);
        return sent;
    }

    private async Task<int> RequestMissingAsync(string region, List<ImageInfo> batch, List<string> destinations, CancellationToken cancellationToken)
    {
        if (batch.Count == 0)
        {
            return 0;
        }

        var keys = batch.SelectMany(i => destinations.Select(d => new CopyJobKey(region, i.ImageId, d))).ToList();
        var existing = (await store.GetManyAsync(keys, cancellationToken)).Select(j => j.Key).ToHashSet();
        var missing = batch.Where(i => destinations.Any(d => !existing.Contains(new CopyJobKey(region, i.ImageId, d)))).ToList();
        if (missing.Count > 0)
        {
            await requests.SendAsync([.. missing.Select(i =>
                new ReplicationRequest(region, i.ImageId, null, "sweep", "found by the sweep: no copy job for every destination", RequestOrigin.Sweep))], cancellationToken);
        }

        return missing.Count;
    }
}
