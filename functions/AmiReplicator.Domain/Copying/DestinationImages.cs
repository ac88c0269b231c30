using AmiReplicator.Domain.Images;
using AmiReplicator.Domain.Jobs;
using AmiReplicator.Domain.Policy;

namespace AmiReplicator.Domain.Copying;

/// <summary>
/// EC2 where a destination's copies are made and kept: the home account's own, or a target account's through its spoke role. Sources
/// and the home account's copies are always read with <see cref="Home"/>.
/// </summary>
public sealed class DestinationImages(IImageGateway home, ITargetAccountImages? targets, ReplicationPolicy policy)
{
    public IImageGateway Home => home;

    public IImageGateway For(CopyDestination destination) => destination.Account is not { } account ? home
        : targets?.In(account, policy.RoleNameFor(account))
          ?? throw new InvalidOperationException($"{destination} is a target account's region, but this composition has no access to target accounts");
}
