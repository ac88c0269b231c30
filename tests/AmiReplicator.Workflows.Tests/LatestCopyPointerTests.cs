using System.Runtime.CompilerServices;
using AmiReplicator.Domain.Images;
using AmiReplicator.Domain.Jobs;
using AmiReplicator.Domain.Policy;
using AmiReplicator.Domain.Workflows;
using Microsoft.Extensions.Logging.Abstractions;

namespace AmiReplicator.Workflows.Tests;

/// <summary>The latest-copy parameter under two workers finishing copies of one family at once: it never ends on the older copy.</summary>
public sealed class LatestCopyPointerTests
{
    private const string Region = "eu-west-1";
    private const string Parameter = "/amirepl/latest/golden-";
    private static readonly DateTimeOffset Start = new(2026, 11, 25, 8, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task A_worker_that_wrote_an_older_copy_after_a_newer_one_was_written_writes_the_newer_one_again()
    {
        var older = Copy("ami-0000000000000000a", "golden-1", Start);
        var newer = Copy("ami-0000000000000000b", "golden-2", Start.AddMinutes(1));
        var ec2 = new Copies { Listed = { older } };
        var ssm = new Parameters();
        var (worker, other) = (Pointer(ec2, ssm), Pointer(ec2, ssm));

        // The worker finishing the older copy listed before the newer one was available; just before its write lands, the newer
        // copy becomes available and the other worker points at it completely.
        ssm.BeforeNextPut = async () =>
        {
            ec2.Listed.Add(newer);
            Assert.Null(await other.OnAvailableAsync(newer, CancellationToken.None));
        };
        Assert.Null(await worker.OnAvailableAsync(older, CancellationToken.None));

        Assert.Equal([newer.ImageId, older.ImageId, newer.ImageId], ssm.Writes);
        Assert.Equal(newer.ImageId, ssm.Values[Parameter]);
    }

    [Fact]
    public async Task A_copy_finishing_after_a_newer_one_writes_nothing_and_one_already_named_is_not_written_again()
    {
        var older = Copy("ami-0000000000000000a", "golden-1", Start);
        var newer = Copy("ami-0000000000000000b", "golden-2", Start.AddMinutes(1));
        var ec2 = new Copies { Listed = { newer } };
        var ssm = new Parameters();
        var pointer = Pointer(ec2, ssm);

        await pointer.OnAvailableAsync(newer, CancellationToken.None);
        await pointer.OnAvailableAsync(newer, CancellationToken.None);
        ec2.Listed.Add(older);
        await pointer.OnAvailableAsync(older, CancellationToken.None);

        Assert.Equal([newer.ImageId], ssm.Writes);
    }

    private static LatestCopyPointer Pointer(Copies ec2, Parameters ssm)
    {
        var families = new RetentionPolicy(3, null, ["golden-"], new HashSet<string>());
        return new LatestCopyPointer(ec2, ssm, LatestCopyParameterPolicy.FromDocument("/amirepl/latest/{family}", families), families,
            NullLogger<LatestCopyPointer>.Instance);
    }

    private static ImageInfo Copy(string id, string name, DateTimeOffset created) => new(id, Region, name, null, ImageState.Available, null, "123456789012",
        new Dictionary<string, string> { [ProvenanceTags.SourceImageId] = "ami-0ffffffffffffffff", [ProvenanceTags.SourceRegion] = "us-east-1" },
        [], true, false, null, CreationDate: created);

    private sealed class Copies : IImageLifecycle
    {
        public List<ImageInfo> Listed { get; } = [];

        public async IAsyncEnumerable<ImageInfo> ListOwnCopiesAsync(string region, string? sourceRegion, [EnumeratorCancellation] CancellationToken cancellationToken)
        {
            await Task.Yield();
            foreach (var copy in Listed.ToList())
            {
                yield return copy;
            }
        }

        public Task DisableDeprecationAsync(string region, string imageId, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task EnableDeregistrationProtectionAsync(string region, string imageId, bool withCooldown, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task DisableDeregistrationProtectionAsync(string region, string imageId, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task DisableImageAsync(string region, string imageId, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task DeleteTagsAsync(string region, IReadOnlyCollection<string> resourceIds, IReadOnlyDictionary<string, string> tags, CancellationToken cancellationToken) =>
            throw new NotSupportedException();

        public Task RemoveLaunchPermissionsAsync(string region, string imageId, IReadOnlyCollection<LaunchPermission> permissions, CancellationToken cancellationToken) =>
            throw new NotSupportedException();

        public Task RemoveCreateVolumePermissionsAsync(string region, string snapshotId, IReadOnlyCollection<string> accountIds, CancellationToken cancellationToken) =>
            throw new NotSupportedException();

        public Task<IReadOnlyDictionary<string, IReadOnlyList<string>>> GetImageReferencesAsync(string region, IReadOnlyCollection<string> imageIds,
            CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<DateTimeOffset?> GetLastLaunchedTimeAsync(string region, string imageId, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task EnableImageAsync(string region, string imageId, CancellationToken cancellationToken) => throw new NotSupportedException();
    }

    private sealed class Parameters : IImageParameters
    {
        public Dictionary<string, string> Values { get; } = new(StringComparer.Ordinal);

        public List<string> Writes { get; } = [];

        /// <summary>Runs once, inside the next put, before its value lands.</summary>
        public Func<Task>? BeforeNextPut { get; set; }

        public Task<string?> GetImageIdAsync(string region, string name, CancellationToken cancellationToken) => Task.FromResult(Values.GetValueOrDefault(name));

        public async Task PutImageIdAsync(string region, string name, string imageId, CancellationToken cancellationToken)
        {
            if (BeforeNextPut is { } before)
            {
                BeforeNextPut = null;
                await before();
            }

            Values[name] = imageId;
            Writes.Add(imageId);
        }
    }
}
