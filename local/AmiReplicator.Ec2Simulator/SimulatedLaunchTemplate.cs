namespace AmiReplicator.Ec2Simulator;

/// <summary>A launch template as it is now: its default version (numbered from 1), what each version launches, oldest first, and its tags.</summary>
public sealed record SimulatedLaunchTemplate(
    string LaunchTemplateId,
    string Name,
    string Region,
    long DefaultVersion,
    IReadOnlyList<string?> VersionImageIds,
    IReadOnlyDictionary<string, string> Tags)
{
    public long LatestVersion => VersionImageIds.Count;

    /// <summary>What the default version launches.</summary>
    public string? DefaultImageId => VersionImageIds[(int)DefaultVersion - 1];

    /// <summary>What the latest version launches.</summary>
    public string? LatestImageId => VersionImageIds[^1];
}
