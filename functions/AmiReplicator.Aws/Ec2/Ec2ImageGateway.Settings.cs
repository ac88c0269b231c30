using Amazon.EC2.Model;
using AmiReplicator.Domain.Images;

namespace AmiReplicator.Aws.Ec2;

/// <summary>The account's AMI settings: what decides whether an AMI shared with it can be used there.</summary>
public sealed partial class Ec2ImageGateway : IImageSettings
{
    public async Task<AllowedImagesSettings> GetAllowedImagesAsync(string region, CancellationToken cancellationToken)
    {
        var response = await Call(() => clients.For(region).GetAllowedImagesSettingsAsync(new GetAllowedImagesSettingsRequest(), cancellationToken));
        return new AllowedImagesSettings(
            response.State ?? AllowedImagesSettings.DisabledState,
            [.. (response.ImageCriteria ?? []).Select(c => new AllowedImagesCriterion(
                c.ImageProviders ?? [],
                c.ImageNames ?? [],
                HasOtherConditions: c.CreationDateCondition is not null || c.DeprecationTimeCondition is not null || c.MarketplaceProductCodes is { Count: > 0 }
                    || c.ImageWatermarks is not null || c.ScanResultCondition is not null))],
            response.ManagedBy?.Value ?? AllowedImagesSettings.ManagedByAccount);
    }

    public async Task<string> GetImageBlockPublicAccessAsync(string region, CancellationToken cancellationToken) =>
        (await Call(() => clients.For(region).GetImageBlockPublicAccessStateAsync(new GetImageBlockPublicAccessStateRequest(), cancellationToken)))
        .ImageBlockPublicAccessState ?? "unblocked";
}
