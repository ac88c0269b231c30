namespace AmiReplicator.Domain.Jobs;

public enum RequestOrigin
{
    /// <summary>An EC2 AMI State Change event: the policy's selection decides.</summary>
    Event,

    /// <summary>Asked by hand: the person chose the AMI, so the selection is not applied, and a failed job is tried again.</summary>
    Manual,

    /// <summary>Found by the sweep (its event was lost, or never sent: an AMI shared by another account): as an event, selection applies.</summary>
    Sweep,
}
