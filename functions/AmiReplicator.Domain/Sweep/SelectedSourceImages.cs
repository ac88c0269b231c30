using System.Runtime.CompilerServices;
using AmiReplicator.Domain.Images;
using AmiReplicator.Domain.Jobs;
using AmiReplicator.Domain.Policy;

namespace AmiReplicator.Domain.Sweep;

/// <summary>
/// The available AMIs of a source region that the policy selects, never the replicator's own copies (known by their provenance
/// tags), each with its jobs. EC2's filters do most of the selecting; the jobs are read a page at a time (one read per 100 keys).
/// The sweep requests those that lack a job for some destination; <c>amirepl backfill</c> narrows the selection further.
/// </summary>
public sealed class SelectedSourceImages(ICopyJobStore store, IImageGateway images, ReplicationPolicy policy, string ownAccountId)
{
    private const int KeysPerRead = 100;

    /// <summary>
    /// The destinations that take new copies from <paramref name="sourceRegion"/>: the home account's regions, and the target accounts'
    /// in those regions (they copy the home account's copy there, so they come with it: an account added later is found missing).
    /// </summary>
    public IReadOnlyList<CopyDestination> DestinationsFrom(string sourceRegion)
    {
        var home = policy.Destinations.Where(d => d.TakesNewCopies && d.Region != sourceRegion).Select(d => d.Key).ToList();
        return [.. home, .. policy.Targets.SelectMany(t => t.Destinations()).Where(d => home.Contains(CopyDestination.Home(d.Region))).Select(d => d.Key)];
    }

    /// <summary>
    /// The region's selected images page by page (also those <paramref name="narrowing"/> excludes left out, when given); nothing
    /// when no destination takes copies from the region.
    /// </summary>
    public async IAsyncEnumerable<SelectedImagePage> ListAsync(string region, ImageFilter? narrowing, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var destinations = DestinationsFrom(region);
        if (destinations.Count == 0)
        {
            yield break;
        }

        var selection = policy.Selection;
        var owners = narrowing?.Selection.OwnerAccounts is { Count: > 0 } asked ? asked
            : selection.OwnerAccounts.Count > 0 ? selection.OwnerAccounts : [Selection.Self];
        var names = narrowing?.Selection.NamePatterns is { Count: > 0 } patterns ? patterns : selection.NamePatterns;
        var tags = new Dictionary<string, string>(selection.Tags, StringComparer.Ordinal);
        foreach (var (key, value) in narrowing?.Selection.Tags ?? new Dictionary<string, string>())
        {
            // A value the policy asks for differently selects nothing: the policy's Excludes below says so for every image.
            tags[key] = value;
        }

        var listed = 0;
        var batch = new List<ImageInfo>();
        await foreach (var image in images.ListAvailableImagesAsync(region, owners, names, tags, cancellationToken))
        {
            listed++;
            if (ProvenanceTags.IsReplicatorCopy(image.Tags) || selection.Excludes(image, ownAccountId) is not null || narrowing?.Excludes(image, ownAccountId) is not null)
            {
                continue;
            }

            batch.Add(image);
            if ((batch.Count + 1) * destinations.Count > KeysPerRead)
            {
                yield return await PageAsync(region, batch, destinations, listed, cancellationToken);
                (batch, listed) = ([], 0);
            }
        }

        yield return await PageAsync(region, batch, destinations, listed, cancellationToken);
    }

    private async Task<SelectedImagePage> PageAsync(string region, List<ImageInfo> batch, IReadOnlyList<CopyDestination> destinations, int listed, CancellationToken cancellationToken)
    {
        var keys = batch.SelectMany(i => destinations.Select(d => CopyJobKey.Into(region, i.ImageId, d))).ToList();
        var jobs = keys.Count == 0 ? [] : (await store.GetManyAsync(keys, cancellationToken)).ToDictionary(j => j.Key);
        return new SelectedImagePage(region, listed, [.. batch.Select(i => new SelectedImage(i, [.. destinations.Select(d => (d, jobs.GetValueOrDefault(CopyJobKey.Into(region, i.ImageId, d))))]))]);
    }
}
