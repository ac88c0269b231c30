using AmiReplicator.Domain.Images;
using AmiReplicator.Domain.Jobs;
using AmiReplicator.Domain.Policy;

namespace AmiReplicator.Domain.Copying;

/// <summary>
/// EC2 where a destination's copies are made and kept: the home account's own, or a target account's through its spoke role. Sources
/// and the home account's copies are always read with <see cref="Home"/>.
/// </summary>
/// <param name="homeTemplates">The home account's launch templates, where the caller has their calls.</param>
public sealed class DestinationImages(IImageGateway home, ITargetAccountImages? targets, ReplicationPolicy policy, ILaunchTemplates? homeTemplates = null)
{
    public IImageGateway Home => home;

    public IImageGateway For(CopyDestination destination) => destination.Account is not { } account ? home : Targets(destination).In(account, policy.RoleNameFor(account));

    /// <summary>KMS as a target account sees it (only target accounts: the home account's keys are the composition's own gateway's).</summary>
    public IKeyGateway KeysFor(CopyDestination destination) => InTarget(destination, (targets, account, role) => targets.KeysIn(account, role));

    /// <summary>A target account's AMI settings (Allowed AMIs, block public access), read with its spoke role.</summary>
    public IImageSettings SettingsFor(CopyDestination destination) => InTarget(destination, (targets, account, role) => targets.SettingsIn(account, role));

    private T InTarget<T>(CopyDestination destination, Func<ITargetAccountImages, string, string, T> get) =>
        destination.Account is { } account
            ? get(Targets(destination), account, policy.RoleNameFor(account))
            : throw new ArgumentException($"{destination} is the home account's", nameof(destination));

    /// <summary>The launch templates of the destination's account; null for the home account when the caller has not their calls.</summary>
    public ILaunchTemplates? LaunchTemplatesFor(CopyDestination destination) =>
        destination.Account is not { } account ? homeTemplates : Targets(destination).LaunchTemplatesIn(account, policy.RoleNameFor(account));

    private ITargetAccountImages Targets(CopyDestination destination) => targets
        ?? throw new InvalidOperationException($"{destination} is a target account's region, but this composition has no access to target accounts");
}
