namespace AmiReplicator.Ec2Simulator.Model;

/// <summary>
/// An Organizations tag policy that enforces tags on create for images and snapshots (DOMAIN.md "Names, tags, descriptions"): a
/// CopyImage whose TagSpecifications do not carry every key it demands, with an allowed value, is refused with TagPolicyViolation.
/// Tagging after the copy cannot satisfy it: the copy is refused before it exists.
/// </summary>
internal sealed partial class Ec2Cloud
{
    private static readonly string[] TagPolicyResourceTypes = ["image", "snapshot"];

    /// <param name="required">Each demanded key, with the values it allows (null: any value).</param>
    public void EnforceTagPolicy(string accountId, string regionName, IReadOnlyDictionary<string, IReadOnlyList<string>?> required) =>
        Run(() => Region(accountId, regionName).TagPolicy = new Dictionary<string, IReadOnlyList<string>?>(required, StringComparer.Ordinal));

    private static void CheckTagPolicy(RegionState region, Dictionary<string, IReadOnlyList<KeyValuePair<string, string>>> tagSpecs)
    {
        foreach (var type in TagPolicyResourceTypes)
        {
            var tags = (tagSpecs.GetValueOrDefault(type) ?? []).ToDictionary(tag => tag.Key, tag => tag.Value, StringComparer.Ordinal);
            foreach (var (key, allowed) in region.TagPolicy)
            {
                if (!tags.TryGetValue(key, out var value))
                {
                    throw new Ec2Exception("TagPolicyViolation",
                        $"The tag policy requires the tag key '{key}' on the {type} at creation, and the request's TagSpecifications do not carry it.");
                }

                if (allowed is not null && !allowed.Contains(value))
                {
                    throw new Ec2Exception("TagPolicyViolation", $"The tag policy does not allow the specified value for the following tag key: '{key}'.");
                }
            }
        }
    }
}
