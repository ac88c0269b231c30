using AmiReplicator.Domain.Images;
using AmiReplicator.Domain.Jobs;
using AmiReplicator.Domain.Targets;

namespace AmiReplicator.Domain.Composition;

/// <summary>
/// The ports the workflows work through, each an adapter's. The job store, EC2's images and KMS's keys are always there; the rest
/// only where the caller has them: without <see cref="Lifecycle"/> copies follow nothing of their sources after they are made and
/// nothing is retained, without <see cref="Parameters"/> no latest-copy parameter is kept, without <see cref="Requests"/> there is
/// no sweep.
/// </summary>
public sealed record ReplicatorPorts(ICopyJobStore Store, IImageGateway Images, IKeyGateway Keys)
{
    public IImageLifecycle? Lifecycle { get; init; }

    public IImageParameters? Parameters { get; init; }

    /// <summary>The home account's launch templates; without it, only target accounts' templates follow their family.</summary>
    public ILaunchTemplates? LaunchTemplates { get; init; }

    /// <summary>EC2 in target accounts, through their spoke roles; without it, copies go only into the home account's regions.</summary>
    public ITargetAccountImages? Targets { get; init; }

    /// <summary>Where the target list (the accounts of the targets' organizational units) is kept; without it, only listed accounts are targets.</summary>
    public ITargetListStore? TargetLists { get; init; }

    /// <summary>AWS Organizations, read by the target list's sync; without it a sync fails and the list in force stays.</summary>
    public IOrganization? Organization { get; init; }

    /// <summary>Where a distribution's completed event goes (the home account's default bus); without it, none is sent.</summary>
    public IDistributionEvents? Events { get; init; }

    /// <summary>Where the sweep, a backfill and a request by hand send replication requests.</summary>
    public IRequestQueue? Requests { get; init; }
}
