namespace AmiReplicator.Ec2Simulator.Model;

/// <summary>
/// Allowed AMIs, per account and region (EC2 user guide, "Control the discovery and use of AMIs with Allowed AMIs"): where it is
/// <c>enabled</c>, an image the account does not own is discoverable (DescribeImages) and launchable only when a criterion admits it;
/// <c>audit-mode</c> and <c>disabled</c> restrict nothing. The account's own images are always allowed. Not applied to CopyImage: the
/// documentation speaks of discovery and launches only.
/// </summary>
internal sealed partial class Ec2Cloud
{
    public const string AllowedImagesEnabled = "enabled";
    public const string AllowedImagesAuditMode = "audit-mode";
    public const string AllowedImagesDisabled = "disabled";

    /// <summary>ImageCriterion: up to 10, with up to 200 provider values in all.</summary>
    private const int MaxImageCriteria = 10;
    private const int MaxImageProviderValues = 200;

    public AllowedImagesSetting GetAllowedImagesSettings(string accountId, string regionName) => Run(() => Region(accountId, regionName).AllowedImages);

    /// <summary>EnableAllowedImagesSettings (enabled or audit-mode) and DisableAllowedImagesSettings; answers the new state.</summary>
    public string SetAllowedImagesState(string accountId, string regionName, string state) => Run(() =>
    {
        var region = Region(accountId, regionName);
        RefuseIfDeclarative(region);
        if (state is not (AllowedImagesEnabled or AllowedImagesAuditMode or AllowedImagesDisabled))
        {
            throw Ec2Errors.InvalidValue($"Value ({state}) for parameter AllowedImagesSettingsState is invalid. Valid values: enabled, audit-mode.");
        }

        region.AllowedImages = region.AllowedImages with { State = state };
        return state;
    });

    /// <summary>ReplaceImageCriteriaInAllowedImagesSettings.</summary>
    public void ReplaceImageCriteria(string accountId, string regionName, IReadOnlyList<AllowedImagesCriterion> criteria) => Run(() =>
    {
        var region = Region(accountId, regionName);
        RefuseIfDeclarative(region);
        ValidateImageCriteria(criteria);
        region.AllowedImages = region.AllowedImages with { Criteria = criteria };
    });

    /// <summary>The whole setting at once, as a person or a declarative policy (which the account then cannot change) sets it.</summary>
    public void SetAllowedImages(string accountId, string regionName, AllowedImagesSetting setting) => Run(() =>
    {
        if (setting.State is not (AllowedImagesEnabled or AllowedImagesAuditMode or AllowedImagesDisabled))
        {
            throw new ArgumentException($"'{setting.State}' is not an Allowed AMIs state.", nameof(setting));
        }

        ValidateImageCriteria(setting.Criteria);
        Region(accountId, regionName).AllowedImages = setting;
    });

    private static void RefuseIfDeclarative(RegionState region)
    {
        if (region.AllowedImages.ManagedBy != "account")
        {
            throw new Ec2Exception("OperationNotPermitted", "The Allowed AMIs settings of this account are managed by a declarative policy and cannot be changed in the account.");
        }
    }

    private static void ValidateImageCriteria(IReadOnlyList<AllowedImagesCriterion> criteria)
    {
        if (criteria.Count > MaxImageCriteria || criteria.Sum(c => c.ImageProviders.Count) > MaxImageProviderValues)
        {
            throw Ec2Errors.InvalidValue($"At most {MaxImageCriteria} image criteria with {MaxImageProviderValues} image provider values in all can be specified.");
        }

        foreach (var provider in criteria.SelectMany(c => c.ImageProviders))
        {
            if (!IsAccountId(provider) && provider is not ("amazon" or "aws-marketplace" or "aws-backup-vault" or "none"))
            {
                throw Ec2Errors.InvalidValue($"Value ({provider}) for parameter ImageProvider is invalid.");
            }
        }

        if (criteria.Any(c => c.ImageProviders.Contains("none") && c.ImageProviders.Count > 1))
        {
            throw Ec2Errors.InvalidValue("When the image provider none is specified, no other values can be specified.");
        }
    }

    /// <summary>Whether the viewer's Allowed AMIs setting lets it discover and launch the image.</summary>
    private static bool IsAllowed(RegionState viewer, SimImage image) =>
        image.OwnerId == viewer.AccountId
        || viewer.AllowedImages.State != AllowedImagesEnabled
        || viewer.AllowedImages.Criteria.Any(c => Admits(c, image));

    private static bool Admits(AllowedImagesCriterion criterion, SimImage image) =>
        (criterion.ImageProviders.Count == 0 || criterion.ImageProviders.Contains(image.OwnerId, StringComparer.Ordinal))
        && (criterion.ImageNames is not { Count: > 0 } names || names.Any(pattern => WildcardMatches(pattern, image.Name)));
}

/// <param name="ManagedBy">"account", or "declarative-policy" (the account's own calls cannot change it).</param>
internal sealed record AllowedImagesSetting(string State, IReadOnlyList<AllowedImagesCriterion> Criteria, string ManagedBy = "account")
{
    public static AllowedImagesSetting Default { get; } = new(Ec2Cloud.AllowedImagesDisabled, []);
}
