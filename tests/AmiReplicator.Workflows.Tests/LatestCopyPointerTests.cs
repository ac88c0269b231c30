using System.Reflection;
using System.Runtime.CompilerServices;
using AmiReplicator.Domain.Images;
using AmiReplicator.Domain.Jobs;
using AmiReplicator.Domain.Lifecycle;
using AmiReplicator.Domain.Policy;
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
            Assert.Null(await other.OnAvailableAsync(CopyDestination.Home(Region), newer, CancellationToken.None));
        };
        Assert.Null(await worker.OnAvailableAsync(CopyDestination.Home(Region), older, CancellationToken.None));

        Assert.Equal([newer.ImageId, older.ImageId, newer.ImageId], ssm.Writes);
        Assert.Equal(newer.ImageId, ssm.Values[Parameter]);
    }

    [Fact]
    public async Task A_worker_whose_older_write_lands_after_the_newer_one_writes_the_newer_one_again_whatever_SSM_shows_meanwhile()
    {
        var older = Copy("ami-0000000000000000a", "golden-1", Start);
        var newer = Copy("ami-0000000000000000b", "golden-2", Start.AddMinutes(1));
        var ec2 = new Copies { Listed = { older } };
        var ssm = new Parameters { Landing = true };
        var (worker, other) = (Pointer(ec2, ssm), Pointer(ec2, ssm));

        // The worker finishing the older copy listed before the newer one was available. Just before its put, the other worker
        // points at the newer copy and SSM takes that write: SSM shows the newer copy while the worker's older write still lands.
        ssm.BeforeNextPut = async () =>
        {
            ec2.Listed.Add(newer);
            Assert.Null(await other.OnAvailableAsync(CopyDestination.Home(Region), newer, CancellationToken.None));
            ssm.Land();
            Assert.Equal(newer.ImageId, ssm.Values[Parameter]);
        };
        Assert.Null(await worker.OnAvailableAsync(CopyDestination.Home(Region), older, CancellationToken.None));
        ssm.Land();

        Assert.Equal([newer.ImageId, older.ImageId, newer.ImageId], ssm.Writes);
        Assert.Equal(newer.ImageId, ssm.Values[Parameter]);
    }

    [Fact]
    public async Task A_worker_that_does_not_list_the_newer_copy_the_parameter_holds_leaves_it()
    {
        var older = Copy("ami-0000000000000000a", "golden-1", Start);
        var newer = Copy("ami-0000000000000000b", "golden-2", Start.AddMinutes(1));
        var ec2 = new Copies { Listed = { older }, Described = { newer } };
        var ssm = new Parameters { Values = { [Parameter] = newer.ImageId } };

        Assert.Null(await Pointer(ec2, ssm).OnAvailableAsync(CopyDestination.Home(Region), older, CancellationToken.None));

        Assert.Empty(ssm.Writes);
    }

    [Fact]
    public async Task A_copy_finishing_after_a_newer_one_writes_nothing_and_one_already_named_is_not_written_again()
    {
        var older = Copy("ami-0000000000000000a", "golden-1", Start);
        var newer = Copy("ami-0000000000000000b", "golden-2", Start.AddMinutes(1));
        var ec2 = new Copies { Listed = { newer } };
        var ssm = new Parameters();
        var pointer = Pointer(ec2, ssm);

        await pointer.OnAvailableAsync(CopyDestination.Home(Region), newer, CancellationToken.None);
        await pointer.OnAvailableAsync(CopyDestination.Home(Region), newer, CancellationToken.None);
        ec2.Listed.Add(older);
        await pointer.OnAvailableAsync(CopyDestination.Home(Region), older, CancellationToken.None);

        Assert.Equal([newer.ImageId], ssm.Writes);
    }

    private static LatestCopyPointer Pointer(Copies ec2, Parameters ssm)
    {
        var policy = ReplicationPolicy.Parse("""
            {"destinations":[{"region":"eu-west-1"}],"retention":{"keepLatest":3,"familyNamePrefixes":["golden-"]},"latestCopyParameter":"/amirepl/latest/{family}"}
            """);
        return LatestCopyPointer.For(policy, new DestinationAccounts(DescribedCopies.Over(ec2), ec2, ssm, null, policy), NullLoggerFactory.Instance) ?? throw new InvalidOperationException("no pointer");
    }

    private static ImageInfo Copy(string id, string name, DateTimeOffset created) => new(id, Region, name, null, ImageState.Available, null, "123456789012",
        new Dictionary<string, string>
        {
            [ProvenanceTags.SourceImageId] = "ami-0ffffffffffffffff",
            [ProvenanceTags.SourceRegion] = "us-east-1",
            [ProvenanceTags.SourceCreated] = ProvenanceTags.TimeText(created),
        },
        [], true, false, null, CreationDate: created);

    private sealed class Copies : IImageLifecycle
    {
        public List<ImageInfo> Listed { get; } = [];

        /// <summary>Images DescribeImages answers beside the listed ones (EC2's listing may lag behind it).</summary>
        public List<ImageInfo> Described { get; } = [];

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

    /// <summary>EC2 as the pointer reads it: DescribeImages of one copy, listed or described; any other call fails the test.</summary>
#pragma warning disable CA1852 // DispatchProxy.Create needs a type it can derive from.
    private class DescribedCopies : DispatchProxy
#pragma warning restore CA1852
    {
        private Copies _copies = new();

        public static IImageGateway Over(Copies copies)
        {
            var proxy = Create<IImageGateway, DescribedCopies>();
            ((DescribedCopies)(object)proxy)._copies = copies;
            return proxy;
        }

        protected override object? Invoke(MethodInfo? targetMethod, object?[]? args) => targetMethod?.Name == nameof(IImageGateway.DescribeImageAsync)
            ? Task.FromResult(_copies.Listed.Concat(_copies.Described).FirstOrDefault(c => c.ImageId == (string?)args?[1]))
            : throw new NotSupportedException($"the latest-copy pointer called {targetMethod?.Name}");
    }

    /// <summary>SSM's parameters: a write lands at once, or (<see cref="Landing"/>) only at <see cref="Land"/>, in the order made, as SSM's check of an aws:ec2:image value does.</summary>
    private sealed class Parameters : IImageParameters
    {
        private readonly List<(string Name, string ImageId)> _landing = [];

        public Dictionary<string, string> Values { get; } = new(StringComparer.Ordinal);

        public List<string> Writes { get; } = [];

        public bool Landing { get; init; }

        /// <summary>Runs once, inside the next put, before it is made.</summary>
        public Func<Task>? BeforeNextPut { get; set; }

        public Task<string?> GetImageIdAsync(string region, string name, CancellationToken cancellationToken) => Task.FromResult(Values.GetValueOrDefault(name));

        public async Task PutImageIdAsync(string region, string name, string imageId, CancellationToken cancellationToken)
        {
            if (BeforeNextPut is { } before)
            {
                BeforeNextPut = null;
                await before();
            }

            Writes.Add(imageId);
            _landing.Add((name, imageId));
            if (!Landing)
            {
                Land();
            }
        }

        public void Land()
        {
            foreach (var (name, imageId) in _landing)
            {
                Values[name] = imageId;
            }

            _landing.Clear();
        }
    }
}
