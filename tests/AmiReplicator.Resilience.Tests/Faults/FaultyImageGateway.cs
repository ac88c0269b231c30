using AmiReplicator.Domain.Images;

namespace AmiReplicator.Resilience.Tests.Faults;

/// <summary>The EC2 gateway with a fault injector around every method: each call is a step boundary.</summary>
public sealed class FaultyImageGateway(IImageGateway inner, IFaultInjector faults) : IImageGateway
{
    public const string Port = nameof(IImageGateway);

    public Task<ImageInfo?> DescribeImageAsync(string region, string imageId, CancellationToken cancellationToken) =>
        faults.AroundAsync(Port, nameof(DescribeImageAsync), region, () => inner.DescribeImageAsync(region, imageId, cancellationToken));

    public Task<IReadOnlyDictionary<string, ImageInfo>> DescribeImagesAsync(string region, IReadOnlyCollection<string> imageIds, CancellationToken cancellationToken) =>
        faults.AroundAsync(Port, nameof(DescribeImagesAsync), "", () => inner.DescribeImagesAsync(region, imageIds, cancellationToken));

    public Task<string> CopyImageAsync(CopyImageCommand command, CancellationToken cancellationToken) =>
        faults.AroundAsync(Port, nameof(CopyImageAsync), "", () => inner.CopyImageAsync(command, cancellationToken));

    public Task<IReadOnlyList<LaunchPermission>> GetLaunchPermissionsAsync(string region, string imageId, CancellationToken cancellationToken) =>
        faults.AroundAsync(Port, nameof(GetLaunchPermissionsAsync), "", () => inner.GetLaunchPermissionsAsync(region, imageId, cancellationToken));

    public Task AddLaunchPermissionsAsync(string region, string imageId, IReadOnlyCollection<LaunchPermission> permissions, CancellationToken cancellationToken) =>
        faults.AroundAsync(Port, nameof(AddLaunchPermissionsAsync), "", () => Done(inner.AddLaunchPermissionsAsync(region, imageId, permissions, cancellationToken)));

    public Task CreateTagsAsync(string region, IReadOnlyCollection<string> resourceIds, IReadOnlyDictionary<string, string> tags, CancellationToken cancellationToken) =>
        faults.AroundAsync(Port, nameof(CreateTagsAsync), "", () => Done(inner.CreateTagsAsync(region, resourceIds, tags, cancellationToken)));

    public Task DeregisterImageAsync(string region, string imageId, CancellationToken cancellationToken) =>
        faults.AroundAsync(Port, nameof(DeregisterImageAsync), "", () => Done(inner.DeregisterImageAsync(region, imageId, cancellationToken)));

    public async IAsyncEnumerable<ImageInfo> ListAvailableImagesAsync(string region, IReadOnlyCollection<string> owners, IReadOnlyCollection<string> namePatterns,
        IReadOnlyDictionary<string, string> tags, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        // The listing as one call: a fault strikes before it or after all of it.
        var listed = await faults.AroundAsync(Port, nameof(ListAvailableImagesAsync), region,
            () => inner.ListAvailableImagesAsync(region, owners, namePatterns, tags, cancellationToken).ToListAsync(cancellationToken).AsTask());
        foreach (var image in listed)
        {
            yield return image;
        }
    }

    public Task<ImageInfo?> FindOwnImageByNameAsync(string region, string name, CancellationToken cancellationToken) =>
        faults.AroundAsync(Port, nameof(FindOwnImageByNameAsync), region, () => inner.FindOwnImageByNameAsync(region, name, cancellationToken));

    public Task EnableDeprecationAsync(string region, string imageId, DateTimeOffset deprecateAt, CancellationToken cancellationToken) =>
        faults.AroundAsync(Port, nameof(EnableDeprecationAsync), "", () => Done(inner.EnableDeprecationAsync(region, imageId, deprecateAt, cancellationToken)));

    private static async Task<bool> Done(Task call)
    {
        await call;
        return true;
    }
}
