using System.Globalization;
using System.Text;

namespace AmiReplicator.Ec2Simulator.Model;

/// <summary>Tags asked for one resource type in TagSpecification.N.</summary>
internal sealed record TagSpecificationInput(string? ResourceType, IReadOnlyList<KeyValuePair<string, string>> Tags);

internal sealed record FilterInput(string Name, IReadOnlyList<string> Values);

internal sealed record DescribeImagesInput(
    IReadOnlyList<string> ImageIds,
    IReadOnlyList<string> Owners,
    IReadOnlyList<string> ExecutableBy,
    IReadOnlyList<FilterInput> Filters,
    bool IncludeDeprecated,
    int? MaxResults,
    string? NextToken,
    bool IncludeDisabled = false);

internal sealed record EbsInput(
    string? SnapshotId, int? VolumeSize, string? VolumeType, bool? DeleteOnTermination, bool? Encrypted, string? KmsKeyId);

internal sealed record BlockDeviceInput(string? DeviceName, string? VirtualName, bool NoDevice, EbsInput? Ebs);

internal sealed record RegisterImageInput(
    string? Name,
    string? Description,
    string? RootDeviceName,
    string? Architecture,
    string? ImageLocation,
    IReadOnlyList<BlockDeviceInput> BlockDevices,
    IReadOnlyList<TagSpecificationInput> TagSpecifications);

internal sealed record CopyImageInput(
    string? SourceRegion,
    string? SourceImageId,
    string? Name,
    string? Description,
    bool? Encrypted,
    string? KmsKeyId,
    string? ClientToken,
    bool? CopyImageTags,
    IReadOnlyList<TagSpecificationInput> TagSpecifications,
    int? CompletionDurationMinutes,
    string? DestinationOutpostArn)
{
    /// <summary>Every parameter but the token, to tell a retry from a different request with the same token.</summary>
    public string Fingerprint()
    {
        var text = new StringBuilder();
        foreach (var value in new object?[]
        {
            SourceRegion, SourceImageId, Name, Description, Encrypted, KmsKeyId, CopyImageTags,
            CompletionDurationMinutes, DestinationOutpostArn,
        })
        {
            text.Append(CultureInfo.InvariantCulture, $"{value}\u001f");
        }

        foreach (var spec in TagSpecifications)
        {
            text.Append(CultureInfo.InvariantCulture, $"{spec.ResourceType}:");
            foreach (var tag in spec.Tags)
            {
                text.Append(CultureInfo.InvariantCulture, $"{tag.Key}={tag.Value}\u001f");
            }
        }

        return text.ToString();
    }
}

internal sealed record LaunchPermissionChanges(
    IReadOnlyList<LaunchPermissionEntry> Add, IReadOnlyList<LaunchPermissionEntry> Remove);

/// <summary>DescribeImageReferences: the images to check, and which kinds of resource with which options.</summary>
internal sealed record DescribeImageReferencesInput(
    IReadOnlyList<string> ImageIds,
    bool IncludeAllResourceTypes,
    IReadOnlyList<ResourceTypeInput> ResourceTypes,
    int? MaxResults,
    string? NextToken);

/// <summary>ResourceType.N: a kind of resource (ec2:Instance, ...) and its ResourceTypeOption.N.</summary>
internal sealed record ResourceTypeInput(string? ResourceType, IReadOnlyList<ResourceTypeOptionInput> Options);

internal sealed record ResourceTypeOptionInput(string? Name, IReadOnlyList<string> Values);

/// <summary>A resource of the account that references an image, as DescribeImageReferences answers it.</summary>
internal sealed record ImageReference(string ImageId, string ResourceType, string Arn);

/// <param name="ImageId">LaunchTemplateData.ImageId: an AMI id or a resolve:ssm: parameter; null, none.</param>
internal sealed record CreateLaunchTemplateInput(string? Name, string? ImageId, IReadOnlyList<TagSpecificationInput> TagSpecifications);

internal sealed record CreateLaunchTemplateVersionInput(string? Id, string? Name, string? SourceVersion, string? ImageId, string? ClientToken);

internal sealed record DescribeLaunchTemplatesInput(
    IReadOnlyList<string> Ids, IReadOnlyList<string> Names, IReadOnlyList<FilterInput> Filters, int? MaxResults, string? NextToken);

internal sealed record DescribeLaunchTemplateVersionsInput(
    string? Id, string? Name, IReadOnlyList<string> Versions, string? MinVersion, string? MaxVersion, bool ResolveAlias);
