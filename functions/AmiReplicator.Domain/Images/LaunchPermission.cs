namespace AmiReplicator.Domain.Images;

/// <summary>One entry of an AMI's launchPermission attribute.</summary>
public sealed record LaunchPermission(LaunchPermissionKind Kind, string Value)
{
    public static readonly LaunchPermission Public = new(LaunchPermissionKind.Group, "all");
}
