namespace AmiReplicator.Ec2Simulator;

/// <summary>
/// A role's trust policy as a spoke role writes it: <c>Principal: {"AWS": "arn:aws:iam::TRUSTED:root"}</c>, optionally narrowed by
/// <c>ArnLike aws:PrincipalArn</c> (any of the patterns, e.g. <c>arn:aws:iam::*:role/AmiReplicator-*</c>) and by
/// <c>StringEquals aws:PrincipalOrgID</c>.
/// </summary>
public sealed record RoleTrust(string TrustedAccountId)
{
    public IReadOnlyList<string> PrincipalArnPatterns { get; init; } = [];

    /// <summary>The organization ("o-...") the caller's account must belong to; null: no such condition.</summary>
    public string? PrincipalOrgId { get; init; }
}
