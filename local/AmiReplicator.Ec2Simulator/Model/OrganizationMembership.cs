namespace AmiReplicator.Ec2Simulator.Model;

/// <summary>
/// Where an account sits in AWS Organizations: its organization ("o-...") and the OUs from the root down to its own. An image
/// shared with the organization's ARN, or with any of those OUs' ARNs (a parent OU covers its children), is shared with it.
/// </summary>
internal sealed record OrganizationMembership(string OrganizationId, IReadOnlyList<string> OrganizationalUnitIds)
{
    public bool IsCoveredBy(LaunchPermissionEntry entry) =>
        (entry.OrganizationArn is { } organizationArn && organizationArn.EndsWith($":organization/{OrganizationId}", StringComparison.Ordinal))
        || (entry.OrganizationalUnitArn is { } unitArn && unitArn.Contains($":ou/{OrganizationId}/", StringComparison.Ordinal)
            && OrganizationalUnitIds.Contains(unitArn[(unitArn.LastIndexOf('/') + 1)..], StringComparer.Ordinal));
}
