namespace AmiReplicator.Domain.Images;

/// <summary>An account's EC2 settings for AMIs in a region, as the account sees them: what decides whether an AMI shared with it can be used.</summary>
public interface IImageSettings
{
    /// <summary>GetAllowedImagesSettings in the region.</summary>
    Task<AllowedImagesSettings> GetAllowedImagesAsync(string region, CancellationToken cancellationToken);

    /// <summary>GetImageBlockPublicAccessState in the region: "block-new-sharing" or "unblocked".</summary>
    Task<string> GetImageBlockPublicAccessAsync(string region, CancellationToken cancellationToken);
}
