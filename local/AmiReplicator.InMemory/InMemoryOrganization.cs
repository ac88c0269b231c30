using AmiReplicator.Domain.Targets;

namespace AmiReplicator.InMemory;

/// <summary>
/// An organization in memory, answering as AWS Organizations does: a root, OUs under it, accounts in each (ACTIVE unless suspended),
/// the management account in the root. Accounts move, are suspended or removed; <see cref="Refuse"/> has every call answer as
/// Organizations answers an account that may not read the organization. Ids are Organizations' shapes (accounts: 12 digits).
/// </summary>
public sealed class InMemoryOrganization : IOrganization
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, (string Parent, string Name)> _units = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (string Parent, string State)> _accounts = new(StringComparer.Ordinal);
    private OrganizationAccessException? _refusal;
    private int _next;

    public InMemoryOrganization(string managementAccountId)
    {
        ManagementAccountId = managementAccountId;
        _accounts[managementAccountId] = (Root, OrganizationAccount.Active);
    }

    public const string Root = "r-a1b2";
    public const string Id = "o-a1b2c3d4e5";

    public string ManagementAccountId { get; }

    /// <summary>Creates an OU under the parent (the root or an OU); answers its id.</summary>
    public string AddUnit(string parentId, string name)
    {
        lock (_gate)
        {
            var id = $"ou-a1b2-{++_next:D8}";
            _units[id] = (parentId, name);
            return id;
        }
    }

    /// <summary>The OU (or root) a unit is in.</summary>
    public string ParentOf(string unitId)
    {
        lock (_gate)
        {
            return _units[unitId].Parent;
        }
    }

    /// <summary>Creates (or invites) an account into the parent; answers its id.</summary>
    public string AddAccount(string parentId)
    {
        lock (_gate)
        {
            var id = $"9{++_next:D11}";
            _accounts[id] = (parentId, OrganizationAccount.Active);
            return id;
        }
    }

    public void MoveAccount(string accountId, string parentId)
    {
        lock (_gate)
        {
            _accounts[accountId] = (parentId, _accounts[accountId].State);
        }
    }

    /// <summary>Closes the account: SUSPENDED, as Organizations shows a closed account for 90 days.</summary>
    public void Suspend(string accountId)
    {
        lock (_gate)
        {
            _accounts[accountId] = (_accounts[accountId].Parent, "SUSPENDED");
        }
    }

    /// <summary>From now on every call is refused with this code and message (null: answered again).</summary>
    public void Refuse(string? code, string message = "")
    {
        lock (_gate)
        {
            _refusal = code is null ? null : new OrganizationAccessException(code, message);
        }
    }

    public Task<OrganizationInfo> DescribeAsync(CancellationToken cancellationToken) => Answer(() => new OrganizationInfo(Id, ManagementAccountId));

    public Task<IReadOnlyList<OrganizationUnit>> ListUnitsAsync(string parentId, CancellationToken cancellationToken) => Answer(() =>
        (IReadOnlyList<OrganizationUnit>)[.. RequireParent(parentId)._units.Where(u => u.Value.Parent == parentId).Select(u => new OrganizationUnit(u.Key, u.Value.Name))]);

    public Task<IReadOnlyList<OrganizationAccount>> ListAccountsAsync(string parentId, CancellationToken cancellationToken) => Answer(() =>
        (IReadOnlyList<OrganizationAccount>)[.. RequireParent(parentId)._accounts.Where(a => a.Value.Parent == parentId)
            .Select(a => new OrganizationAccount(a.Key, $"account-{a.Key}", a.Value.State))]);

    private InMemoryOrganization RequireParent(string parentId) => parentId == Root || _units.ContainsKey(parentId)
        ? this
        : throw new OrganizationAccessException("ParentNotFoundException", $"AWS Organizations has no {parentId}");

    private Task<T> Answer<T>(Func<T> answer)
    {
        lock (_gate)
        {
            return _refusal is { } refusal ? throw refusal : Task.FromResult(answer());
        }
    }
}
