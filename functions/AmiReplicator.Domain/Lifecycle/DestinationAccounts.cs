using AmiReplicator.Domain.Images;
using AmiReplicator.Domain.Jobs;
using AmiReplicator.Domain.Policy;

namespace AmiReplicator.Domain.Lifecycle;

/// <summary>
/// EC2 and SSM as the account of each destination sees them, for keeping its copies once made (following their sources, retention,
/// the latest-copy parameter): the home account's own calls, or a target account's through its spoke role, so the same rules run in
/// every account. Sources are always read with <see cref="Home"/>.
/// </summary>
public sealed class DestinationAccounts(IImageGateway home, IImageLifecycle homeLifecycle, IImageParameters? homeParameters, ITargetAccountImages? targets,
    ReplicationPolicy policy)
{
    public IImageGateway Home => home;

    /// <summary>Whether SSM's calls are given, so a latest-copy parameter can be kept.</summary>
    public bool KeepsParameters => homeParameters is not null;

    /// <summary>
    /// Every destination whose copies are kept: the home account's regions, then the targets' (account, region)s when this
    /// composition can reach target accounts.
    /// </summary>
    public IEnumerable<CopyDestination> All => targets is null ? policy.AllDestinations.Where(d => d.IsHome) : policy.AllDestinations;

    public IImageGateway ImagesIn(CopyDestination destination) => destination.Account is not { } account ? home : Targets(destination).In(account, policy.RoleNameFor(account));

    public IImageLifecycle LifecycleIn(CopyDestination destination) =>
        destination.Account is not { } account ? homeLifecycle : Targets(destination).LifecycleIn(account, policy.RoleNameFor(account));

    /// <summary>SSM in the destination's account; null where no latest-copy parameter is kept (the policy, or the target, does not ask for one).</summary>
    public IImageParameters? ParametersIn(CopyDestination destination) =>
        homeParameters is null || !policy.KeepsLatestCopyParameterIn(destination) ? null
        : destination.Account is not { } account ? homeParameters
        : Targets(destination).ParametersIn(account, policy.RoleNameFor(account));

    private ITargetAccountImages Targets(CopyDestination destination) => targets
        ?? throw new InvalidOperationException($"{destination} is a target account's region, but this composition has no access to target accounts");
}
