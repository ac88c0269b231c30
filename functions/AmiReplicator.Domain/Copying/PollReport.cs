namespace AmiReplicator.Domain.Copying;

/// <summary>What one poller run did.</summary>
public sealed class PollReport
{
    public int StillCopying { get; set; }
    public int Finished { get; set; }
    public int Retried { get; set; }
    public int Failed { get; set; }
    public int Cancelled { get; set; }
    public int CleanedUp { get; set; }
    public int StepFailures { get; set; }
    public int Repaired { get; set; }
    public int Started { get; set; }

    /// <summary>Requests the sweep sent for selected AMIs that had no job.</summary>
    public int Swept { get; set; }

    /// <summary>Copies older than their family's newest that retention deregistered with their snapshots.</summary>
    public int RemovedByRetention { get; set; }

    /// <summary>Distributions looked at (a wave let go, a completed event sent, or nothing yet to do).</summary>
    public int DistributionsInspected { get; set; }

    /// <summary>Since when the longest-waiting job left waiting after the pass has waited for its attempt (null: none waits).</summary>
    public DateTimeOffset? OldestWaiting { get; set; }

    public List<string> Errors { get; } = [];

    public void Count(CopyOutcome outcome)
    {
        switch (outcome)
        {
            case CopyOutcome.StillCopying: StillCopying++; break;
            case CopyOutcome.Finished: Finished++; break;
            case CopyOutcome.Retried: Retried++; break;
            case CopyOutcome.Failed: Failed++; break;
            case CopyOutcome.Cancelled: Cancelled++; break;
            case CopyOutcome.CleanedUp: CleanedUp++; break;
            case CopyOutcome.StepFailed: StepFailures++; break;
        }
    }

    public override string ToString() =>
        $"finished {Finished}, still copying {StillCopying}, started {Started}, retried {Retried}, failed {Failed}, cancelled {Cancelled}, "
        + $"cleaned up {CleanedUp}, step failures {StepFailures}, repaired {Repaired}, swept {Swept}, removed by retention {RemovedByRetention}, errors {Errors.Count}";
}
