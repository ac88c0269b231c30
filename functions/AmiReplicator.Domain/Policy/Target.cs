using AmiReplicator.Domain.Slots;

namespace AmiReplicator.Domain.Policy;

/// <summary>A validated target: its accounts' regions are destinations, each with the target's key and budget.</summary>
/// <param name="KmsKeys">Per region, the key in the target account its copies are encrypted with; a region not named: the account's default EBS key.</param>
public sealed record Target(IReadOnlyList<string> Accounts, IReadOnlyList<string> Regions, string RoleName, IReadOnlyDictionary<string, string> KmsKeys, SlotBudget Budget)
{
    public const string DefaultRoleName = "AmiReplicatorSpoke";

    public const string CopyMode = "copy";
    public const string ShareMode = "share";

    /// <summary>The accounts launch the home account's copy in each region, shared with them, and make no copy of their own (mode "share").</summary>
    public bool SharesHomeCopy { get; init; }

    /// <summary>Whether the policy's latest-copy parameter is also kept in each of the target's (account, region)s, with the spoke role.</summary>
    public bool LatestCopyParameter { get; init; }

    /// <summary>
    /// The organizational units (or root) whose accounts are targets too. <see cref="Accounts"/> holds the accounts listed, and once the
    /// policy uses a resolved <see cref="TargetList"/>, those of these units beside them.
    /// </summary>
    public IReadOnlyList<string> OrganizationalUnits { get; init; } = [];

    /// <summary>Every (account, region) of the target, with what a copy there is made with.</summary>
    public IEnumerable<Destination> Destinations() =>
        from account in Accounts
        from region in Regions
        select new Destination(region, Encrypt: true, KmsKeys.GetValueOrDefault(region), Budget) { Account = account, SharesHomeCopy = SharesHomeCopy };
}
