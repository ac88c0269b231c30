using System.Security.Cryptography;
using System.Text.RegularExpressions;

namespace AmiReplicator.Ec2Simulator.Model;

/// <summary>EC2-shaped resource ids: a prefix and 17 lowercase hex digits (8 for old ids).</summary>
internal static partial class ResourceIds
{
    public static string NewImageId() => "ami-" + RandomNumberGenerator.GetHexString(17, lowercase: true);

    public static string NewSnapshotId() => "snap-" + RandomNumberGenerator.GetHexString(17, lowercase: true);

    public static string NewInstanceId() => "i-" + RandomNumberGenerator.GetHexString(17, lowercase: true);

    public static string NewLaunchTemplateId() => "lt-" + RandomNumberGenerator.GetHexString(17, lowercase: true);

    public static bool IsImageId(string id) => ImageIdPattern().IsMatch(id);

    [GeneratedRegex("^ami-([0-9a-f]{8}|[0-9a-f]{17})$")]
    private static partial Regex ImageIdPattern();
}
