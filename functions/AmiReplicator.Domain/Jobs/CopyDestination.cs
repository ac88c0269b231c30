namespace AmiReplicator.Domain.Jobs;

/// <summary>
/// Where copies go: a region of the home account (the account the replicator runs in; <see cref="Account"/> null), or of a target
/// account. Budgets, waiting work and the poller's checks are all kept per destination. The home account's destinations are
/// written exactly as before targets existed (keys, holder ids, counter scopes), so a table written then keeps working.
/// </summary>
public sealed record CopyDestination(string Region, string? Account = null)
{
    public static CopyDestination Home(string region) => new(region);

    public bool IsHome => Account is null;

    /// <summary>How keys and counter scopes name the destination: the home account's region alone, as before targets existed.</summary>
    public string KeyText => Account is null ? Region : $"{Account}#{Region}";

    public override string ToString() => Account is null ? Region : $"{Account}/{Region}";
}
