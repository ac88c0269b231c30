using AmiReplicator.Domain.Targets;

namespace AmiReplicator.LocalCloud.Permissions;

/// <summary>
/// AWS Organizations as the functions call it, each call held to the permission contract first (<see cref="PermissionCheck.AuthorizeOrganizations"/>)
/// and refused as the Organizations client refuses what IAM denies when the contract does not list it: the signed JSON client is no SDK client, so
/// the SDK pipeline's check does not see it.
/// </summary>
public sealed class CheckedOrganization(IOrganization organization, PermissionCheck check) : IOrganization
{
    public Task<OrganizationInfo> DescribeAsync(CancellationToken cancellationToken) =>
        Checked("DescribeOrganization", () => organization.DescribeAsync(cancellationToken));

    public Task<IReadOnlyList<OrganizationUnit>> ListUnitsAsync(string parentId, CancellationToken cancellationToken) =>
        Checked("ListOrganizationalUnitsForParent", () => organization.ListUnitsAsync(parentId, cancellationToken));

    public Task<IReadOnlyList<OrganizationAccount>> ListAccountsAsync(string parentId, CancellationToken cancellationToken) =>
        Checked("ListAccountsForParent", () => organization.ListAccountsAsync(parentId, cancellationToken));

    private Task<T> Checked<T>(string operation, Func<Task<T>> call) => check.AuthorizeOrganizations(operation) is { } violation
        ? throw new OrganizationAccessException("AccessDeniedException", violation)
        : call();
}
