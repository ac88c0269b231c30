namespace AmiReplicator.LocalCloud.Permissions;

/// <summary>A function made a call the permission contract does not allow it: in a real account IAM would have refused it.</summary>
public sealed class PermissionContractException(IReadOnlyList<string> violations) : Exception(
    "AWS calls outside the permission contract (IAM would refuse them in a real account):\n  "
    + string.Join("\n  ", violations)
    + "\nIf a call is meant, add its permission to the contract and grant it in infra/AmiReplicator.Infra/ReplicatorPermissions.cs.")
{
    public IReadOnlyList<string> Violations { get; } = violations;
}
