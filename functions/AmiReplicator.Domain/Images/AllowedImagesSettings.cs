using System.Text.RegularExpressions;

namespace AmiReplicator.Domain.Images;

/// <summary>
/// An account's Allowed AMIs setting in one region (EC2 GetAllowedImagesSettings): where it is <see cref="Enabled"/>, images the
/// account does not own are discoverable (DescribeImages) and launchable only when one of the criteria admits them; in audit-mode or
/// disabled nothing is restricted. The account's own images are always allowed.
/// </summary>
/// <param name="State">"enabled", "audit-mode" or "disabled".</param>
/// <param name="ManagedBy">"account", or "declarative-policy" when an Organizations declarative policy sets it (the account cannot change it).</param>
public sealed record AllowedImagesSettings(string State, IReadOnlyList<AllowedImagesCriterion> Criteria, string ManagedBy = AllowedImagesSettings.ManagedByAccount)
{
    public const string EnabledState = "enabled";
    public const string AuditModeState = "audit-mode";
    public const string DisabledState = "disabled";
    public const string ManagedByAccount = "account";

    public static AllowedImagesSettings Disabled { get; } = new(DisabledState, []);

    public bool Enabled => State == EnabledState;

    /// <summary>Whether the account may discover and launch this image, owned by <paramref name="ownerId"/> and named <paramref name="name"/>.</summary>
    public bool Admits(string ownerId, string name) => !Enabled || Criteria.Any(c => c.Admits(ownerId, name));
}

/// <summary>
/// One criterion of Allowed AMIs: an image it admits matches every condition it sets (the criteria are alternatives). Only the providers and
/// the names are modelled; a criterion with other conditions (creation or deprecation age, Marketplace product codes, ...) is taken as
/// admitting no image, so the preflight refuses rather than share what the account may not see.
/// </summary>
/// <param name="ImageProviders">Account ids, or the aliases amazon, aws-marketplace, aws-backup-vault, none; empty: any provider.</param>
/// <param name="ImageNames">Name patterns (* and ?); empty: any name.</param>
/// <param name="HasOtherConditions">The criterion sets a condition not modelled here.</param>
public sealed record AllowedImagesCriterion(IReadOnlyList<string> ImageProviders, IReadOnlyList<string> ImageNames, bool HasOtherConditions = false)
{
    public bool Admits(string ownerId, string name) =>
        !HasOtherConditions
        && (ImageProviders.Count == 0 || ImageProviders.Contains(ownerId, StringComparer.Ordinal))
        && (ImageNames.Count == 0 || ImageNames.Any(pattern => Matches(pattern, name)));

    private static bool Matches(string pattern, string name) => Regex.IsMatch(name,
        "^" + Regex.Escape(pattern).Replace(@"\*", ".*", StringComparison.Ordinal).Replace(@"\?", ".", StringComparison.Ordinal) + "$",
        RegexOptions.Singleline | RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
}
