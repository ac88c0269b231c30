using System.Globalization;
using Amazon.EC2;
using Amazon.EC2.Model;
using Amazon.Runtime;
using AmiReplicator.Domain.Images;
using DomainImageState = AmiReplicator.Domain.Images.ImageState;
using DomainLaunchPermission = AmiReplicator.Domain.Images.LaunchPermission;
using Ec2LaunchPermission = Amazon.EC2.Model.LaunchPermission;

namespace AmiReplicator.Aws.Ec2;

/// <summary>The replicator's EC2 calls over AWSSDK.EC2; EC2 errors come out as <see cref="ImageServiceException"/> with EC2's code.</summary>
public sealed partial class Ec2ImageGateway(Ec2Clients clients) : IImageGateway, IImageLifecycle
{
    public async Task<ImageInfo?> DescribeImageAsync(string region, string imageId, CancellationToken cancellationToken)
    {
        try
        {
            var response = await Call(() => clients.For(region).DescribeImagesAsync(new DescribeImagesRequest
            {
                ImageIds = [imageId],
                IncludeDeprecated = true,
                IncludeDisabled = true,
            }, cancellationToken));
            return response.Images?.Select(i => ToInfo(i, region)).FirstOrDefault();
        }
        catch (ImageServiceException e) when (e.Kind == Ec2ErrorKind.NotFound)
        {
            return null;
        }
    }

    public async Task<IReadOnlyDictionary<string, ImageInfo>> DescribeImagesAsync(string region, IReadOnlyCollection<string> imageIds, CancellationToken cancellationToken)
    {
        if (imageIds.Count == 0)
        {
            return new Dictionary<string, ImageInfo>();
        }

        // A filter, unlike ImageIds, answers the ids it knows instead of failing the whole call on one unknown id.
        var response = await Call(() => clients.For(region).DescribeImagesAsync(new DescribeImagesRequest
        {
            Filters = [new Filter("image-id", [.. imageIds])],
            IncludeDeprecated = true,
            IncludeDisabled = true,
        }, cancellationToken));
        return (response.Images ?? []).Select(i => ToInfo(i, region)).ToDictionary(i => i.ImageId);
    }

    public async Task<string> CopyImageAsync(CopyImageCommand command, CancellationToken cancellationToken)
    {
        // In key order: a repeated call (same ClientToken) must send the same parameters, and a job read back from DynamoDB
        // has its tags in another order than when it was written; EC2 would answer IdempotentParameterMismatch.
        var tags = command.Tags.OrderBy(t => t.Key, StringComparer.Ordinal).Select(t => new Tag(t.Key, t.Value)).ToList();
        var request = new CopyImageRequest
        {
            SourceRegion = command.SourceRegion,
            SourceImageId = command.SourceImageId,
            Name = command.Name,
            Description = command.Description,
            ClientToken = command.ClientToken,
            SnapshotCopyCompletionDurationMinutes = command.SnapshotCopyCompletionDurationMinutes,
        };
        if (tags.Count > 0)
        {
            // Tags at creation: the only way that satisfies an Organizations tag policy requiring them. EC2 refuses an empty specification.
            request.TagSpecifications =
            [
                new TagSpecification { ResourceType = ResourceType.Image, Tags = tags },
                new TagSpecification { ResourceType = ResourceType.Snapshot, Tags = tags },
            ];
        }

        if (command.Encrypt)
        {
            request.Encrypted = true;
            request.KmsKeyId = command.KmsKeyId;
        }

        var response = await Call(() => clients.For(command.DestinationRegion).CopyImageAsync(request, cancellationToken));
        return response.ImageId;
    }

    public async Task<IReadOnlyList<DomainLaunchPermission>> GetLaunchPermissionsAsync(string region, string imageId, CancellationToken cancellationToken)
    {
        var response = await Call(() => clients.For(region).DescribeImageAttributeAsync(new DescribeImageAttributeRequest
        {
            ImageId = imageId,
            Attribute = ImageAttributeName.LaunchPermission,
        }, cancellationToken));
        return (response.ImageAttribute?.LaunchPermissions ?? []).Select(ToDomain).OfType<DomainLaunchPermission>().ToList();
    }

    public Task AddLaunchPermissionsAsync(string region, string imageId, IReadOnlyCollection<DomainLaunchPermission> permissions, CancellationToken cancellationToken) =>
        Call(() => clients.For(region).ModifyImageAttributeAsync(new ModifyImageAttributeRequest
        {
            ImageId = imageId,
            LaunchPermission = new LaunchPermissionModifications { Add = permissions.Select(ToEc2).ToList() },
        }, cancellationToken));

    public async Task<IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>>> GetSnapshotTagsAsync(string region, IReadOnlyCollection<string> snapshotIds,
        CancellationToken cancellationToken)
    {
        if (snapshotIds.Count == 0)
        {
            return new Dictionary<string, IReadOnlyDictionary<string, string>>();
        }

        var response = await Call(() => clients.For(region).DescribeSnapshotsAsync(new DescribeSnapshotsRequest { SnapshotIds = [.. snapshotIds] }, cancellationToken));
        return (response.Snapshots ?? []).ToDictionary(
            s => s.SnapshotId,
            s => (IReadOnlyDictionary<string, string>)(s.Tags ?? []).ToDictionary(t => t.Key, t => t.Value, StringComparer.Ordinal));
    }

    public Task AddCreateVolumePermissionsAsync(string region, string snapshotId, IReadOnlyCollection<string> accountIds, CancellationToken cancellationToken) =>
        ModifyCreateVolumePermissionsAsync(region, snapshotId, new CreateVolumePermissionModifications { Add = VolumePermissions(accountIds) }, cancellationToken);

    private Task<ModifySnapshotAttributeResponse> ModifyCreateVolumePermissionsAsync(string region, string snapshotId, CreateVolumePermissionModifications change, CancellationToken cancellationToken) =>
        Call(() => clients.For(region).ModifySnapshotAttributeAsync(new ModifySnapshotAttributeRequest
        {
            SnapshotId = snapshotId,
            Attribute = SnapshotAttributeName.CreateVolumePermission,
            CreateVolumePermission = change,
        }, cancellationToken));

    private static List<CreateVolumePermission> VolumePermissions(IReadOnlyCollection<string> accountIds) =>
        [.. accountIds.Select(a => new CreateVolumePermission { UserId = a })];

    public Task CreateTagsAsync(string region, IReadOnlyCollection<string> resourceIds, IReadOnlyDictionary<string, string> tags, CancellationToken cancellationToken) =>
        Call(() => clients.For(region).CreateTagsAsync(new CreateTagsRequest
        {
            Resources = [.. resourceIds],
            Tags = tags.Select(t => new Tag(t.Key, t.Value)).ToList(),
        }, cancellationToken));

    public async Task DeregisterImageAsync(string region, string imageId, CancellationToken cancellationToken)
    {
        try
        {
            await Call(() => clients.For(region).DeregisterImageAsync(new DeregisterImageRequest
            {
                ImageId = imageId,
                // Without it the snapshots of a failed or stopped copy stay behind, billed and nobody's.
                DeleteAssociatedSnapshots = true,
            }, cancellationToken));
        }
        catch (ImageServiceException e) when (e.Kind == Ec2ErrorKind.NotFound)
        {
            // Already gone: what deregistering wanted.
        }
    }

    public async IAsyncEnumerable<ImageInfo> ListAvailableImagesAsync(string region, IReadOnlyCollection<string> owners, IReadOnlyCollection<string> namePatterns,
        IReadOnlyDictionary<string, string> tags, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var filters = new List<Filter> { new("state", ["available"]) };
        if (namePatterns.Count > 0)
        {
            filters.Add(new Filter("name", [.. namePatterns]));
        }

        filters.AddRange(tags.Select(t => new Filter($"tag:{t.Key}", [t.Value])));
        await foreach (var image in ListPagesAsync(region, new DescribeImagesRequest { Owners = [.. owners], Filters = filters }, cancellationToken))
        {
            yield return image;
        }
    }

    /// <summary>Every image the request lists, 1,000 a page.</summary>
    private async IAsyncEnumerable<ImageInfo> ListPagesAsync(string region, DescribeImagesRequest request,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        request.MaxResults = 1000;
        do
        {
            var response = await Call(() => clients.For(region).DescribeImagesAsync(request, cancellationToken));
            foreach (var image in response.Images ?? [])
            {
                yield return ToInfo(image, region);
            }

            request.NextToken = response.NextToken;
        }
        while (!string.IsNullOrEmpty(request.NextToken));
    }

    public async Task<ImageInfo?> FindOwnImageByNameAsync(string region, string name, CancellationToken cancellationToken)
    {
        var response = await Call(() => clients.For(region).DescribeImagesAsync(new DescribeImagesRequest
        {
            Owners = ["self"],
            Filters = [new Filter("name", [name])],
            IncludeDeprecated = true,
            IncludeDisabled = true,
        }, cancellationToken));
        return (response.Images ?? []).Select(i => ToInfo(i, region)).FirstOrDefault(i => i.Name == name);
    }

    public Task EnableDeprecationAsync(string region, string imageId, DateTimeOffset deprecateAt, CancellationToken cancellationToken) =>
        Call(() => clients.For(region).EnableImageDeprecationAsync(new EnableImageDeprecationRequest
        {
            ImageId = imageId,
            DeprecateAt = deprecateAt.UtcDateTime,
        }, cancellationToken));

    private static async Task<T> Call<T>(Func<Task<T>> call)
    {
        try
        {
            return await call();
        }
        catch (AmazonServiceException e) when (e.ErrorCode is not null)
        {
            throw new ImageServiceException(Ec2Errors.Classify(e.ErrorCode), e.ErrorCode, e.Message, e);
        }
        catch (Exception e) when (e is AmazonServiceException or HttpRequestException or TimeoutException)
        {
            throw new ImageServiceException(Ec2ErrorKind.Transient, "NetworkError", e.Message, e);
        }
    }

    private static ImageInfo ToInfo(Image image, string region)
    {
        var tags = (image.Tags ?? []).ToDictionary(t => t.Key, t => t.Value, StringComparer.Ordinal);
        var snapshots = (image.BlockDeviceMappings ?? [])
            .Where(m => m.Ebs?.SnapshotId is not null)
            .Select(m => new AmiReplicator.Domain.Images.SnapshotInfo(m.Ebs.SnapshotId, m.Ebs.Encrypted == true, m.Ebs.VolumeSize ?? 0, m.Ebs.KmsKeyId, m.DeviceName))
            .ToList();
        return new ImageInfo(
            image.ImageId,
            region,
            image.Name ?? "",
            image.Description,
            ParseState(image.State?.Value),
            image.StateReason?.Message,
            image.OwnerId ?? "",
            tags,
            snapshots,
            IsEbsBacked: image.RootDeviceType?.Value != "instance-store",
            // Windows, Red Hat, SUSE, SQL Server...: any platform other than plain Linux/UNIX is billed through a product code.
            HasBillingProducts: image.ProductCodes is { Count: > 0 }
                || image.PlatformDetails is { Length: > 0 } platform && platform != "Linux/UNIX",
            DeprecationTime: string.IsNullOrEmpty(image.DeprecationTime)
                ? null
                : DateTimeOffset.Parse(image.DeprecationTime, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal),
            CopiedFromImageId: image.SourceImageId,
            CopiedFromRegion: image.SourceImageRegion,
            Protection: ParseProtection(image.DeregistrationProtection),
            CreationDate: string.IsNullOrEmpty(image.CreationDate)
                ? null
                : DateTimeOffset.Parse(image.CreationDate, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal));
    }

    private static DomainImageState ParseState(string? state) =>
        Enum.TryParse<DomainImageState>(state, ignoreCase: true, out var parsed) ? parsed : DomainImageState.Unknown;

    private static DomainLaunchPermission? ToDomain(Ec2LaunchPermission p) => p switch
    {
        { UserId: { } user } => new DomainLaunchPermission(LaunchPermissionKind.UserId, user),
        { Group: { } group } => new DomainLaunchPermission(LaunchPermissionKind.Group, group.Value),
        { OrganizationArn: { } org } => new DomainLaunchPermission(LaunchPermissionKind.OrganizationArn, org),
        { OrganizationalUnitArn: { } ou } => new DomainLaunchPermission(LaunchPermissionKind.OrganizationalUnitArn, ou),
        _ => null,
    };

    private static Ec2LaunchPermission ToEc2(DomainLaunchPermission p) => p.Kind switch
    {
        LaunchPermissionKind.UserId => new Ec2LaunchPermission { UserId = p.Value },
        LaunchPermissionKind.Group => new Ec2LaunchPermission { Group = new PermissionGroup(p.Value) },
        LaunchPermissionKind.OrganizationArn => new Ec2LaunchPermission { OrganizationArn = p.Value },
        _ => new Ec2LaunchPermission { OrganizationalUnitArn = p.Value },
    };
}
