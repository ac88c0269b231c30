namespace AmiReplicator.Domain.Targets;

/// <summary>
/// AWS Organizations, read: the organization, and each parent's (root or OU) child OUs and accounts, every page. Answers
/// <see cref="OrganizationAccessException"/> when the account may not read the organization (AccessDenied: neither the management
/// account nor a delegated administrator; AWSOrganizationsNotInUse: the account is in no organization) or a unit is not found.
/// </summary>
public interface IOrganization
{
    Task<OrganizationInfo> DescribeAsync(CancellationToken cancellationToken);

    Task<IReadOnlyList<OrganizationUnit>> ListUnitsAsync(string parentId, CancellationToken cancellationToken);

    Task<IReadOnlyList<OrganizationAccount>> ListAccountsAsync(string parentId, CancellationToken cancellationToken);
}

/// <param name="Id">o-...</param>
/// <param name="ManagementAccountId">The management account: service-managed StackSets never deploy there, so it is never a unit's target.</param>
public sealed record OrganizationInfo(string Id, string ManagementAccountId);

public sealed record OrganizationUnit(string Id, string Name);

/// <param name="State">Organizations' account state (ACTIVE, SUSPENDED, PENDING_CLOSURE, CLOSED, PENDING_ACTIVATION; its older Status
/// where State is not given): only ACTIVE accounts are targets.</param>
public sealed record OrganizationAccount(string Id, string Name, string State)
{
    public const string Active = "ACTIVE";

    public bool IsActive => State == Active;
}

/// <summary>
/// Organizations refused to answer (or kept throttling after the client's retries): the sync fails with this message, the list in force stays.
/// </summary>
public sealed class OrganizationAccessException(string code, string message) : Exception(message)
{
    public string Code { get; } = code;
}
