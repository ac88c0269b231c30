namespace AmiReplicator.Ec2Simulator;

/// <summary>One EBS volume of a seeded image.</summary>
public sealed record SeedVolume(
    string DeviceName = "/dev/xvda", int SizeGiB = 8, bool Encrypted = false, string? KmsKeyId = null, string VolumeType = "gp3")
{
    /// <summary>The snapshot's own tags (the owner's).</summary>
    public IReadOnlyDictionary<string, string> Tags { get; init; } = new Dictionary<string, string>();
}
