namespace AmiReplicator.Ec2Simulator.Model;

/// <summary>
/// A launch template of the account. EC2 keeps every version of a template, each naming its own image; CreateLaunchTemplate makes
/// version 1, and a reference check looks at the latest versions only (its <c>version-depth</c>).
/// </summary>
internal sealed class SimLaunchTemplate
{
    public required string Id { get; init; }

    public required string Region { get; init; }

    /// <summary>Oldest first: version N is the Nth.</summary>
    public List<LaunchTemplateVersion> Versions { get; } = [];

    public string Arn(string accountId) => $"arn:aws:ec2:{Region}:{accountId}:launch-template/{Id}";

    /// <summary>Whether one of the latest <paramref name="depth"/> versions launches <paramref name="imageId"/>.</summary>
    public bool References(string imageId, int depth) =>
        Versions.TakeLast(depth).Any(version => version.ImageId == imageId);
}

/// <summary>One version of a launch template: the image it launches.</summary>
internal sealed record LaunchTemplateVersion(string ImageId);
