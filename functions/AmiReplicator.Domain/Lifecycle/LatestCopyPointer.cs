using AmiReplicator.Domain.Images;
using AmiReplicator.Domain.Jobs;
using AmiReplicator.Domain.Policy;
using Microsoft.Extensions.Logging;

namespace AmiReplicator.Domain.Lifecycle;

/// <summary>
/// Keeps each family's latest-copy parameter (<see cref="LatestCopyParameterPolicy"/>) on the family's newest available copy in the
/// destination, in the order retention keeps them (by build, <see cref="FamilyCopies"/>), among this deployment's copies. SSM has no
/// conditional write and checks an <c>aws:ec2:image</c> value after answering, so a write lands a moment later and the last write to
/// land wins. The pointer therefore never trusts one reading: it writes the newest copy it knows (what EC2 lists, the copy just
/// available, and the copy the parameter holds when that is a newer available copy of the family, which EC2's listing may not show
/// yet), then lists again, and writes again while a newer one has appeared. Once it has written, its own write (still landing) is
/// what it compares with, not what SSM shows: a worker whose older write lands after another's newer one has written the newer one
/// again by then. Every write is of an available copy, and one already held is not written again. In a target account that asks for
/// the parameter (<see cref="ReplicationPolicy.KeepsLatestCopyParameterIn"/>) the same is done with its spoke role, among its own copies.
/// </summary>
public sealed class LatestCopyPointer(DestinationAccounts accounts, LatestCopyParameterPolicy parameter, ReplicationPolicy policy, ILogger<LatestCopyPointer> log)
{
    private readonly RetentionPolicy _families = policy.Retention ?? throw new ArgumentException("The latest-copy parameter needs the families of retention.", nameof(policy));
    private readonly FamilyBuilds _builds = new(accounts.Home);

    /// <summary>The pointer, when the policy asks for one (it needs the families of retention) and its calls are given.</summary>
    public static LatestCopyPointer? For(ReplicationPolicy policy, DestinationAccounts? accounts, ILoggerFactory logging) =>
        policy is { LatestCopyParameter: { } parameter, Retention: not null } && accounts is { KeepsParameters: true }
            ? new LatestCopyPointer(accounts, parameter, policy, logging.CreateLogger<LatestCopyPointer>())
            : null;

    /// <summary>Listings of one call before it gives up on a family whose newest copy keeps changing (the next finish or run points again).</summary>
    public const int MaxRounds = 5;

    /// <summary>Points the family of <paramref name="copy"/>, just available in the destination, at its newest copy; answers why its parameter was not written, if it was not.</summary>
    public async Task<string?> OnAvailableAsync(CopyDestination destination, ImageInfo copy, CancellationToken cancellationToken) =>
        _families.FamilyOf(copy) is { } family
            ? (await PointAsync(destination, [family], copy, cancellationToken)).GetValueOrDefault(family)
            : null;

    /// <summary>
    /// Points each family's parameter in the destination at the family's newest available copy (<paramref name="justAvailable"/>
    /// counted even when EC2 does not list it yet); a family without one keeps its parameter. Answers, per family, why its
    /// parameter could not be written (SSM refused it for good). Nothing where the parameter is not kept (a target not asking for it).
    /// </summary>
    public async Task<IReadOnlyDictionary<string, string>> PointAsync(CopyDestination destination, IReadOnlyCollection<string> familiesToPoint, ImageInfo? justAvailable,
        CancellationToken cancellationToken)
    {
        var refused = new Dictionary<string, string>(StringComparer.Ordinal);
        if (accounts.ParametersIn(destination) is not { } parameters)
        {
            return refused;
        }

        var written = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var round = 0; round < MaxRounds; round++)
        {
            var changed = false;
            var listed = await ListAsync(destination, familiesToPoint, justAvailable, cancellationToken);
            foreach (var family in familiesToPoint.Where(f => !refused.ContainsKey(f)))
            {
                var (name, problem) = parameter.NameFor(family);
                if (name is null)
                {
                    log.LogWarning("No latest-copy parameter for family {Family} in {Destination}: {Problem}", family, destination, problem);
                    refused[family] = $"latest-copy parameter not written for family {family}: {problem}";
                    continue;
                }

                var held = await parameters.GetImageIdAsync(destination.Region, name, cancellationToken);
                var candidates = listed.GetValueOrDefault(family) ?? [];
                if (held is not null && candidates.All(c => c.ImageId != held) && await HeldCopyAsync(destination, held, family, cancellationToken) is { } heldCopy)
                {
                    candidates = [.. candidates, .. await _builds.WithBuildsAsync([heldCopy], cancellationToken)];
                }

                // A family with no available copy keeps its parameter; one that names the newest (by this worker's own write, once
                // it has written: that write may still be landing) is not written again.
                if (candidates.Count == 0)
                {
                    continue;
                }

                var newest = candidates.NewestFirst().First();
                if ((written.GetValueOrDefault(family) ?? held) == newest.ImageId)
                {
                    continue;
                }

                changed = true;
                try
                {
                    await parameters.PutImageIdAsync(destination.Region, name, newest.ImageId, cancellationToken);
                    written[family] = newest.ImageId;
                    log.LogInformation("Latest-copy parameter {Parameter} in {Destination} points at {TargetImageId} ({Name})", name, destination, newest.ImageId, newest.Name);
                }
                catch (ParameterRefusedException e)
                {
                    log.LogWarning("Latest-copy parameter {Parameter} in {Destination} refused: {Reason}", name, destination, e.Message);
                    refused[family] = $"latest-copy parameter {name} refused: {e.Message}";
                }
            }

            if (!changed)
            {
                return refused;
            }
        }

        throw new InvalidOperationException(
            $"the newest copy of {string.Join(", ", familiesToPoint)} in {destination} changed on each of {MaxRounds} listings; its latest-copy parameter is pointed again next time");
    }

    /// <summary>The image the parameter holds, when it is an available copy of the family made by this deployment.</summary>
    private async Task<ImageInfo?> HeldCopyAsync(CopyDestination destination, string held, string family, CancellationToken cancellationToken) =>
        await accounts.ImagesIn(destination).DescribeImageAsync(destination.Region, held, cancellationToken) is { State: ImageState.Available } copy
            && ProvenanceTags.BelongsTo(copy.Tags, policy.Deployment) && _families.FamilyOf(copy) == family
            ? copy
            : null;

    /// <summary>This deployment's available copies of each family, as EC2 lists them now, with the one just available.</summary>
    private async Task<Dictionary<string, List<ImageInfo>>> ListAsync(CopyDestination destination, IReadOnlyCollection<string> familiesToPoint, ImageInfo? justAvailable,
        CancellationToken cancellationToken)
    {
        var copies = new Dictionary<string, ImageInfo>(StringComparer.Ordinal);
        if (justAvailable is not null)
        {
            copies[justAvailable.ImageId] = justAvailable;
        }

        await foreach (var copy in accounts.LifecycleIn(destination).ListOwnCopiesAsync(destination.Region, null, cancellationToken))
        {
            if (copy.State == ImageState.Available && ProvenanceTags.BelongsTo(copy.Tags, policy.Deployment))
            {
                copies.TryAdd(copy.ImageId, copy);
            }
        }

        var ofFamilies = copies.Values.Where(c => _families.FamilyOf(c) is { } family && familiesToPoint.Contains(family)).ToList();
        return (await _builds.WithBuildsAsync(ofFamilies, cancellationToken))
            .GroupBy(c => _families.FamilyOf(c) ?? "", StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);
    }
}
