namespace AmiReplicator.Domain.Images;

/// <summary>The EC2 calls the replicator makes, each in the region named.</summary>
public interface IImageGateway
{
    /// <summary>The image, or null when EC2 does not know it (InvalidAMIID.NotFound).</summary>
    Task<ImageInfo?> DescribeImageAsync(string region, string imageId, CancellationToken cancellationToken);

    /// <summary>The images of <paramref name="imageIds"/> that EC2 returns (at most 200 ids; unknown ids are simply absent).</summary>
    Task<IReadOnlyDictionary<string, ImageInfo>> DescribeImagesAsync(string region, IReadOnlyCollection<string> imageIds, CancellationToken cancellationToken);

    /// <summary>CopyImage in the destination region; returns the new image id (the same one again for a repeated ClientToken).</summary>
    Task<string> CopyImageAsync(CopyImageCommand command, CancellationToken cancellationToken);

    Task<IReadOnlyList<LaunchPermission>> GetLaunchPermissionsAsync(string region, string imageId, CancellationToken cancellationToken);

    Task AddLaunchPermissionsAsync(string region, string imageId, IReadOnlyCollection<LaunchPermission> permissions, CancellationToken cancellationToken);

    Task CreateTagsAsync(string region, IReadOnlyCollection<string> resourceIds, IReadOnlyDictionary<string, string> tags, CancellationToken cancellationToken);

    /// <summary>Deregisters the image (stops a pending copy, removes a failed one); an image already gone is no error.</summary>
    Task DeregisterImageAsync(string region, string imageId, CancellationToken cancellationToken);

    Task EnableDeprecationAsync(string region, string imageId, DateTimeOffset deprecateAt, CancellationToken cancellationToken);
}

public sealed record CopyImageCommand(
    string DestinationRegion,
    string SourceRegion,
    string SourceImageId,
    string Name,
    string Description,
    bool Encrypt,
    string? KmsKeyId,
    string ClientToken,
    IReadOnlyDictionary<string, string> Tags);

/// <summary>An error answered by EC2, by its code; <see cref="Kind"/> says what the replicator does about it.</summary>
public sealed class ImageServiceException(string code, string message, Exception? inner = null)
    : Exception($"{code}: {message}", inner)
{
    public string Code { get; } = code;
    public Ec2ErrorKind Kind { get; } = Ec2Errors.Classify(code);
}

public enum Ec2ErrorKind
{
    /// <summary>Too many copies in flight in the account: back-pressure, the job waits; never a failed copy.</summary>
    LimitExceeded,

    /// <summary>Throttling, server errors, timeouts: retry the same call later.</summary>
    Transient,

    /// <summary>The image does not exist (or is not visible yet).</summary>
    NotFound,

    /// <summary>EC2 refuses this request for good (permissions, encryption, region not enabled, bad parameters).</summary>
    Refused,
}

public static class Ec2Errors
{
    public const string ResourceLimitExceeded = "ResourceLimitExceeded";
    public const string ImageNotFound = "InvalidAMIID.NotFound";

    private static readonly HashSet<string> TransientCodes = new(StringComparer.Ordinal)
    {
        "RequestLimitExceeded", "Throttling", "ThrottlingException", "InternalError", "InternalFailure",
        "ServiceUnavailable", "Unavailable", "RequestTimeout", "RequestExpired", "NetworkError",
    };

    public static Ec2ErrorKind Classify(string code) => code switch
    {
        ResourceLimitExceeded => Ec2ErrorKind.LimitExceeded,
        ImageNotFound or "InvalidAMIID.Unavailable" => Ec2ErrorKind.NotFound,
        _ when TransientCodes.Contains(code) => Ec2ErrorKind.Transient,
        _ => Ec2ErrorKind.Refused,
    };
}
