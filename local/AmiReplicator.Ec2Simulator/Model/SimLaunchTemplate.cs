namespace AmiReplicator.Ec2Simulator.Model;

/// <summary>
/// A launch template of the account. EC2 keeps every version of a template, each naming its own image (or none, or a
/// <c>resolve:ssm:</c> parameter); CreateLaunchTemplate makes version 1, the default until ModifyLaunchTemplate names another, and a
/// reference check looks at the latest versions only (its <c>version-depth</c>).
/// </summary>
internal sealed class SimLaunchTemplate
{
    public required string Id { get; init; }

    public required string Name { get; init; }

    public required string Region { get; init; }

    public required DateTimeOffset CreateTime { get; init; }

    /// <summary>Tags are on the template; EC2 tags no version.</summary>
    public Dictionary<string, string> Tags { get; } = new(StringComparer.Ordinal);

    /// <summary>Oldest first: version N is the Nth.</summary>
    public List<LaunchTemplateVersion> Versions { get; } = [];

    public long DefaultVersion { get; set; } = 1;

    public long LatestVersion => Versions.Count;

    /// <summary>CreateLaunchTemplateVersion's ClientTokens: what each asked for, and the version it made.</summary>
    public Dictionary<string, (string Fingerprint, long Version)> ClientTokens { get; } = new(StringComparer.Ordinal);

    public string Arn(string accountId) => $"arn:aws:ec2:{Region}:{accountId}:launch-template/{Id}";

    /// <summary>Whether one of the latest <paramref name="depth"/> versions launches <paramref name="imageId"/>.</summary>
    public bool References(string imageId, int depth) =>
        Versions.TakeLast(depth).Any(version => version.ImageId == imageId);

    public LaunchTemplateVersion Version(long number) => Versions[(int)number - 1];

    public SimulatedLaunchTemplate ToInfo() => new(Id, Name, Region, DefaultVersion, [.. Versions.Select(v => v.ImageId)],
        new Dictionary<string, string>(Tags, StringComparer.Ordinal));
}

/// <summary>One version of a launch template: the image it launches (null: none), when it was made.</summary>
internal sealed record LaunchTemplateVersion(string? ImageId, DateTimeOffset CreateTime);
