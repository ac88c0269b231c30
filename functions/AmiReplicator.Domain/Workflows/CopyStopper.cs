using AmiReplicator.Domain.Images;
using AmiReplicator.Domain.Jobs;

namespace AmiReplicator.Domain.Workflows;

/// <summary>
/// Stops a pending copy as the AMI copy guide says: its target is deregistered in the destination, with its snapshots. The job is
/// not written here: the poller's next pass sees the target deregistered and ends the job CANCELLED with the reason, releasing its
/// slots, exactly as when a person deregisters the pending copy in the console.
/// </summary>
public sealed class CopyStopper(ICopyJobStore store, IImageGateway images)
{
    public async Task<StopResult> StopAsync(CopyJobKey key, CancellationToken cancellationToken)
    {
        var job = await store.GetAsync(key, cancellationToken);
        if (job is not { State: CopyJobState.Copying, TargetImageId: { } target })
        {
            return new StopResult(false, job is null
                ? $"no job for {key}"
                : $"{key} is {job.State}: only a copy in flight (COPYING) can be stopped");
        }

        await images.DeregisterImageAsync(key.DestinationRegion, target, cancellationToken);
        return new StopResult(true, $"deregistered {target} with its snapshots in {key.DestinationRegion}; the poller's next pass ends {key} CANCELLED");
    }
}

public sealed record StopResult(bool Stopped, string Message);
