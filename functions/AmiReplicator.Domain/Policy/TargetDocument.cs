namespace AmiReplicator.Domain.Policy;

/// <summary>
/// Accounts and the regions of each that get their own copies: each copy is made by the target account (through the spoke role the
/// account deploys) and owned by it, under a budget per (account, region).
/// </summary>
public sealed class TargetDocument
{
    public List<string>? Accounts { get; set; }

    /// <summary>
    /// Organizational units (ou-...) or the organization's root (r-...) whose accounts, child OUs' included, are targets too: resolved every
    /// 15 minutes and by <c>amirepl targets sync</c>, without the management account and suspended or closed accounts.
    /// </summary>
    public List<string>? OrganizationalUnits { get; set; }
    public List<string>? Regions { get; set; }

    /// <summary>The spoke role's name in each account (default "AmiReplicatorSpoke").</summary>
    public string? RoleName { get; set; }

    /// <summary>
    /// The key each region's copies are encrypted with, in the target account: an alias ("alias/golden") or a key ARN of that account
    /// and region. A region not named here uses the account's default EBS key.
    /// </summary>
    public Dictionary<string, string>? KmsKeys { get; set; }

    /// <summary>Copies in flight into each (account, region) at once (default: the policy's per-destination budget).</summary>
    public int? MaxInFlight { get; set; }

    /// <summary>Of those, copies from one source region (default: the policy's per-source budget).</summary>
    public int? MaxInFlightPerSource { get; set; }
}
