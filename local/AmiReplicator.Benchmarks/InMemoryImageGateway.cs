using AmiReplicator.Domain.Images;

namespace AmiReplicator.Benchmarks;

/// <summary>
/// EC2 in memory, answering at once: source AMIs as seeded, a copy for every CopyImage (the same one for a repeated ClientToken),
/// pending until <see cref="FinishCopies"/>. No limits: the benchmarks measure the handlers' work, not EC2's refusals.
/// </summary>
public sealed class InMemoryImageGateway : IImageGateway
{
    private readonly Dictionary<(string Region, string ImageId), ImageInfo> _images = [];
    private readonly Dictionary<string, string> _copiesByToken = [];
    private readonly object _lock = new();

    public const string AccountId = "123456789012";

    public int Copies { get; private set; }

    public void SeedSource(string region, string imageId, int sizeGiB)
    {
        lock (_lock)
        {
            _images[(region, imageId)] = new ImageInfo(imageId, region, $"golden-{imageId}", "golden image", ImageState.Available, null, AccountId,
                new Dictionary<string, string> { ["team"] = "platform", ["replicate"] = "true" },
                [new SnapshotInfo($"snap-{imageId}", false, sizeGiB)], IsEbsBacked: true, HasBillingProducts: false, DeprecationTime: null);
        }
    }

    /// <summary>Every pending copy becomes available, as EC2 ends them.</summary>
    public void FinishCopies()
    {
        lock (_lock)
        {
            foreach (var (key, image) in _images.Where(i => i.Value.State == ImageState.Pending).ToList())
            {
                _images[key] = image with { State = ImageState.Available };
            }
        }
    }

    public Task<ImageInfo?> DescribeImageAsync(string region, string imageId, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            return Task.FromResult(_images.GetValueOrDefault((region, imageId)));
        }
    }

    public Task<IReadOnlyDictionary<string, ImageInfo>> DescribeImagesAsync(string region, IReadOnlyCollection<string> imageIds, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            IReadOnlyDictionary<string, ImageInfo> found = imageIds
                .Select(id => _images.GetValueOrDefault((region, id)))
                .OfType<ImageInfo>()
                .ToDictionary(i => i.ImageId);
            return Task.FromResult(found);
        }
    }

    public Task<string> CopyImageAsync(CopyImageCommand command, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (_copiesByToken.TryGetValue(command.ClientToken, out var existing))
            {
                return Task.FromResult(existing);
            }

            var source = _images[(command.SourceRegion, command.SourceImageId)];
            var imageId = $"ami-copy{++Copies:D9}";
            _copiesByToken[command.ClientToken] = imageId;
            _images[(command.DestinationRegion, imageId)] = new ImageInfo(imageId, command.DestinationRegion, command.Name, command.Description,
                ImageState.Pending, null, AccountId, command.Tags, [.. source.Snapshots.Select(s => s with { SnapshotId = $"snap-{imageId}" })],
                IsEbsBacked: true, HasBillingProducts: false, DeprecationTime: null, CopiedFromImageId: command.SourceImageId, CopiedFromRegion: command.SourceRegion);
            return Task.FromResult(imageId);
        }
    }

    public Task<IReadOnlyList<LaunchPermission>> GetLaunchPermissionsAsync(string region, string imageId, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<LaunchPermission>>([new LaunchPermission(LaunchPermissionKind.UserId, "210987654321")]);

    public Task AddLaunchPermissionsAsync(string region, string imageId, IReadOnlyCollection<LaunchPermission> permissions, CancellationToken cancellationToken) =>
        Task.CompletedTask;

    /// <summary>The sources' snapshots carry no tags here.</summary>
    public Task<IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>>> GetSnapshotTagsAsync(string region, IReadOnlyCollection<string> snapshotIds,
        CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>>>(
            snapshotIds.ToDictionary(id => id, _ => (IReadOnlyDictionary<string, string>)new Dictionary<string, string>()));

    public Task AddCreateVolumePermissionsAsync(string region, string snapshotId, IReadOnlyCollection<string> accountIds, CancellationToken cancellationToken) =>
        Task.CompletedTask;

    public Task CreateTagsAsync(string region, IReadOnlyCollection<string> resourceIds, IReadOnlyDictionary<string, string> tags, CancellationToken cancellationToken) =>
        Task.CompletedTask;

    public Task DeregisterImageAsync(string region, string imageId, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            _images.Remove((region, imageId));
            return Task.CompletedTask;
        }
    }

    public async IAsyncEnumerable<ImageInfo> ListAvailableImagesAsync(string region, IReadOnlyCollection<string> owners, IReadOnlyCollection<string> namePatterns,
        IReadOnlyDictionary<string, string> tags, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await Task.CompletedTask;
        yield break;
    }

    public Task<ImageInfo?> FindOwnImageByNameAsync(string region, string name, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            return Task.FromResult(_images.Values.FirstOrDefault(i => i.Region == region && i.Name == name));
        }
    }

    public Task EnableDeprecationAsync(string region, string imageId, DateTimeOffset deprecateAt, CancellationToken cancellationToken) => Task.CompletedTask;
}
