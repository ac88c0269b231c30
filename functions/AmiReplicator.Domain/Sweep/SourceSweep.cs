using AmiReplicator.Domain.Images;
using AmiReplicator.Domain.Jobs;
using AmiReplicator.Domain.Policy;
using Microsoft.Extensions.Logging;

namespace AmiReplicator.Domain.Sweep;

/// <summary>
/// EC2's AMI events are best effort, and an AMI another account shares raises none here at all. Every
/// <see cref="ReplicationPolicy.SweepInterval"/> the sweep lists each source region's available AMIs the policy selects (EC2's
/// filters do most of the selecting) and sends a request for each one that lacks a job for some destination; the dispatcher
/// handles it as an event. Its cost is a DescribeImages call per page of images, a read per 100 jobs and a send per 10 requests.
/// The caller is told of each region swept (the poller then has the copies made from it follow their sources).
/// </summary>
public sealed class SourceSweep(
    ICopyJobStore store,
    IImageGateway images,
    IRequestQueue requests,
    ReplicationPolicy policy,
    IReadOnlyList<string> sourceRegions,
    string ownAccountId,
    TimeProvider clock,
    ILogger<SourceSweep> log)
{
    private readonly SelectedSourceImages _selected = new(store, images, policy, ownAccountId);
    private readonly ScheduledTurns _turns = new(clock);

    /// <summary>
    /// Sweeps each source region whose sweep is due (and not taken by another poller), then runs <paramref name="afterRegion"/> for
    /// it; answers the requests sent.
    /// </summary>
    public async Task<int> RunIfDueAsync(Func<string, Task> afterRegion, CancellationToken cancellationToken)
    {
        if (policy.SweepInterval is not { } interval)
        {
            return 0;
        }

        var sent = 0;
        foreach (var region in sourceRegions)
        {
            if (await _turns.TryTakeAsync(region, now => store.TryStartSweepAsync(region, now, interval, cancellationToken)))
            {
                sent += await SweepAsync(region, cancellationToken);
                await afterRegion(region);
            }
        }

        return sent;
    }

    private async Task<int> SweepAsync(string region, CancellationToken cancellationToken)
    {
        var (listed, sent) = (0, 0);
        await foreach (var page in _selected.ListAsync(region, null, cancellationToken))
        {
            listed += page.Listed;
            var missing = page.Images.Where(i => i.Missing.Count > 0).ToList();
            if (missing.Count > 0)
            {
                await requests.SendAsync([.. missing.Select(i => new ReplicationRequest(
                    region, i.Image.ImageId, null, "sweep", "found by the sweep: no copy job for every destination", RequestOrigin.Sweep))], cancellationToken);
                sent += missing.Count;
            }
        }

        log.LogInformation("Swept {SourceRegion}: {Listed} available AMIs listed, {Sent} without a job for every destination requested", region, listed, sent);
        return sent;
    }
}
