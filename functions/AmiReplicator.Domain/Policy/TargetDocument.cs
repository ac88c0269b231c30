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

    /// <summary>
    /// Whether each account keeps the policy's latestCopyParameter (same name) in each of the target's regions, pointing at the newest
    /// copy of the family there that is the account's own (default false: the home account's only).
    /// </summary>
    public bool? LatestCopyParameter { get; set; }

    /// <summary>Copies in flight into each (account, region) at once (default: the policy's per-destination budget).</summary>
    public int? MaxInFlight { get; set; }

    /// <summary>Of those, copies from one source region (default: the policy's per-source budget).</summary>
    public int? MaxInFlightPerSource { get; set; }

    /// <summary>
    /// "copy" (default): each account makes a copy of its own. "share": each account is given launch permission on the home account's copy
    /// in its region and makes none (cheaper, for accounts that only launch).
    /// </summary>
    public string? Mode { get; set; }
}
