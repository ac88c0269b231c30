namespace AmiReplicator.Domain.Images;

public enum LaunchPermissionKind
{
    UserId,
    Group,
    OrganizationArn,
    OrganizationalUnitArn,
}
