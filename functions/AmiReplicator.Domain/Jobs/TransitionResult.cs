using AmiReplicator.Domain.Slots;

namespace AmiReplicator.Domain.Jobs;

/// <param name="Job">The job as stored after the call: the new one when applied, the current one on a conflict.</param>
/// <param name="Counter">The counter that refused a claim (full, backing off or missing).</param>
public sealed record TransitionResult(TransitionStatus Status, CopyJob? Job, SlotScope? Counter = null)
{
    public bool Applied => Status == TransitionStatus.Applied;
}
