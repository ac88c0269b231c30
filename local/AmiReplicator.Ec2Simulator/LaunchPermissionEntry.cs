namespace AmiReplicator.Ec2Simulator;

/// <summary>
/// One launch permission entry: exactly one of the four is set, as in EC2's LaunchPermission.
/// </summary>
public sealed record LaunchPermissionEntry(
    string? UserId = null, string? Group = null, string? OrganizationArn = null, string? OrganizationalUnitArn = null)
{
    public static LaunchPermissionEntry ForAccount(string accountId) => new(UserId: accountId);

    public static LaunchPermissionEntry Public { get; } = new(Group: "all");

    public static LaunchPermissionEntry ForOrganization(string arn) => new(OrganizationArn: arn);

    public static LaunchPermissionEntry ForOrganizationalUnit(string arn) => new(OrganizationalUnitArn: arn);
}
