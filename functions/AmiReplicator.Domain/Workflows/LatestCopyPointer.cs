using AmiReplicator.Domain.Images;
using AmiReplicator.Domain.Jobs;
using AmiReplicator.Domain.Policy;
using Microsoft.Extensions.Logging;

namespace AmiReplicator.Domain.Workflows;

/// <summary>
/// Keeps each family's latest-copy parameter (<see cref="LatestCopyParameterPolicy"/>) on the family's newest available copy in the
/// destination, in the order retention keeps them. SSM has no conditional write, so the pointer never trusts what it read alone:
/// it writes the newest copy EC2 lists, then lists again, and writes again while a newer one has appeared. Two workers finishing
/// copies of one family at once therefore end on the newer copy whichever writes last: the one that wrote the older id sees the
/// newer copy on its second listing. Every write is of an available copy, and one already held is not written again.
/// </summary>
public sealed class LatestCopyPointer(IImageLifecycle lifecycle, IImageParameters parameters, LatestCopyParameterPolicy parameter, RetentionPolicy families,
    ILogger<LatestCopyPointer> log)
{
    /// <summary>The pointer, when the policy asks for one (it needs the families of retention) and its calls are given.</summary>
    public static LatestCopyPointer? For(ReplicationPolicy policy, IImageLifecycle? lifecycle, IImageParameters? parameters, ILoggerFactory logging) =>
        policy is { LatestCopyParameter: { } parameter, Retention: { } families } && lifecycle is not null && parameters is not null
            ? new LatestCopyPointer(lifecycle, parameters, parameter, families, logging.CreateLogger<LatestCopyPointer>())
            : null;

    /// <summary>Listings of one call before it gives up on a family whose newest copy keeps changing (the next finish or run points again).</summary>
    public const int MaxRounds = 5;

    /// <summary>Points the family of <paramref name="copy"/>, just available, at its newest copy; answers why its parameter was not written, if it was not.</summary>
    public async Task<string?> OnAvailableAsync(ImageInfo copy, CancellationToken cancellationToken) =>
        families.FamilyOf(copy) is { } family
            ? (await PointAsync(copy.Region, [family], copy, cancellationToken)).GetValueOrDefault(family)
            : null;

    /// <summary>
    /// Points each family's parameter in the destination at the family's newest available copy (<paramref name="justAvailable"/>
    /// counted even when EC2 does not list it yet); a family without one keeps its parameter. Answers, per family, why its
    /// parameter could not be written (SSM refused it for good).
    /// </summary>
    public async Task<IReadOnlyDictionary<string, string>> PointAsync(string destinationRegion, IReadOnlyCollection<string> familiesToPoint, ImageInfo? justAvailable,
        CancellationToken cancellationToken)
    {
        var refused = new Dictionary<string, string>(StringComparer.Ordinal);
        var pointed = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var round = 0; round < MaxRounds; round++)
        {
            var changed = false;
            foreach (var (family, newest) in await NewestAsync(destinationRegion, familiesToPoint, justAvailable, cancellationToken))
            {
                if (refused.ContainsKey(family) || pointed.GetValueOrDefault(family) == newest.ImageId)
                {
                    continue;
                }

                changed = true;
                if (await WriteAsync(destinationRegion, family, newest, cancellationToken) is { } problem)
                {
                    refused[family] = problem;
                }
                else
                {
                    pointed[family] = newest.ImageId;
                }
            }

            if (!changed)
            {
                return refused;
            }
        }

        throw new InvalidOperationException(
            $"the newest copy of {string.Join(", ", familiesToPoint)} in {destinationRegion} changed on each of {MaxRounds} listings; its latest-copy parameter is pointed again next time");
    }

    private async Task<string?> WriteAsync(string destinationRegion, string family, ImageInfo newest, CancellationToken cancellationToken)
    {
        var (name, problem) = parameter.NameFor(family);
        if (name is null)
        {
            log.LogWarning("No latest-copy parameter for family {Family} in {Destination}: {Problem}", family, destinationRegion, problem);
            return $"latest-copy parameter not written for family {family}: {problem}";
        }

        try
        {
            if (await parameters.GetImageIdAsync(destinationRegion, name, cancellationToken) == newest.ImageId)
            {
                return null;
            }

            await parameters.PutImageIdAsync(destinationRegion, name, newest.ImageId, cancellationToken);
            log.LogInformation("Latest-copy parameter {Parameter} in {Destination} points at {TargetImageId} ({Name})", name, destinationRegion, newest.ImageId, newest.Name);
            return null;
        }
        catch (ParameterRefusedException e)
        {
            log.LogWarning("Latest-copy parameter {Parameter} in {Destination} refused: {Reason}", name, destinationRegion, e.Message);
            return $"latest-copy parameter {name} refused: {e.Message}";
        }
    }

    private async Task<Dictionary<string, ImageInfo>> NewestAsync(string destinationRegion, IReadOnlyCollection<string> familiesToPoint, ImageInfo? justAvailable,
        CancellationToken cancellationToken)
    {
        var copies = new Dictionary<string, ImageInfo>(StringComparer.Ordinal);
        if (justAvailable is not null)
        {
            copies[justAvailable.ImageId] = justAvailable;
        }

        await foreach (var copy in lifecycle.ListOwnCopiesAsync(destinationRegion, null, cancellationToken))
        {
            if (copy.State == ImageState.Available && ProvenanceTags.IsReplicatorCopy(copy.Tags))
            {
                copies.TryAdd(copy.ImageId, copy);
            }
        }

        return copies.Values
            .SelectMany(c => families.FamilyOf(c) is { } family && familiesToPoint.Contains(family)
                ? [(Copy: c, Family: family)]
                : Array.Empty<(ImageInfo Copy, string Family)>())
            .GroupBy(c => c.Family, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Select(c => c.Copy).NewestFirst().First(), StringComparer.Ordinal);
    }
}
