using System.Text.RegularExpressions;
using AmiReplicator.Domain.Images;

namespace AmiReplicator.Domain.Policy;

/// <summary>
/// Keep the newest <see cref="KeepLatest"/> launchable copies of each image family in each destination; older copies the replicator
/// made are deregistered with their snapshots, except those with deregistration protection, named in <see cref="Keep"/>, or still in
/// use (referenced by instances or launch templates, or launched within <see cref="KeepIfLaunchedWithinDays"/>).
/// </summary>
/// <param name="FamilyTag">A copy's family is the value of this tag; or, when null, the longest of <paramref name="FamilyNamePrefixes"/> its name starts with.</param>
public sealed partial record RetentionPolicy(int KeepLatest, string? FamilyTag, IReadOnlyList<string> FamilyNamePrefixes, IReadOnlySet<string> Keep,
    int KeepIfLaunchedWithinDays = RetentionPolicy.DefaultKeepIfLaunchedWithinDays)
{
    public const int DefaultKeepIfLaunchedWithinDays = 14;

    /// <summary>EC2 keeps lastLaunchedTime, and a longer window than ten years would keep every copy anyway.</summary>
    public const int MaxKeepIfLaunchedWithinDays = 3650;

    /// <summary>The family of a copy, or null when it belongs to none (it is never removed).</summary>
    public string? FamilyOf(ImageInfo copy) => ImageFamilies.Of(copy, FamilyTag, FamilyNamePrefixes);

    public static RetentionPolicy FromDocument(RetentionDocument document, int? sweepIntervalMinutes)
    {
        if (document.KeepLatest is not { } keep || keep < 1)
        {
            throw new PolicyException("retention.keepLatest", $"the number of newest copies kept per family and destination is required, at least 1 (got {document.KeepLatest?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none"})");
        }

        if (sweepIntervalMinutes == 0)
        {
            throw new PolicyException("retention", "runs with the sweep, every sweepIntervalMinutes: it needs sweepIntervalMinutes greater than 0");
        }

        var prefixes = document.FamilyNamePrefixes ?? [];
        ImageFamilies.Validate("retention", document.FamilyTag, prefixes);

        var kept = (document.Keep ?? []).Select((id, i) => ImageIdPattern().IsMatch(id)
            ? id
            : throw new PolicyException($"retention.keep[{i}]", $"'{id}' is not an AMI id")).ToHashSet(StringComparer.Ordinal);
        if (document.KeepIfLaunchedWithinDays is < 0 or > MaxKeepIfLaunchedWithinDays)
        {
            throw new PolicyException("retention.keepIfLaunchedWithinDays",
                $"must be 0 (a recent launch keeps nothing) to {MaxKeepIfLaunchedWithinDays} days (got {document.KeepIfLaunchedWithinDays})");
        }

        return new RetentionPolicy(keep, document.FamilyTag, prefixes, kept, document.KeepIfLaunchedWithinDays ?? DefaultKeepIfLaunchedWithinDays);
    }

    [GeneratedRegex("^ami-[0-9a-f]{8,17}$")]
    private static partial Regex ImageIdPattern();
}
