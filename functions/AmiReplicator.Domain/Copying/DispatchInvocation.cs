using AmiReplicator.Domain.Images;
using AmiReplicator.Domain.Jobs;
using AmiReplicator.Domain.Policy;
using AmiReplicator.Domain.Slots;

namespace AmiReplicator.Domain.Copying;

/// <summary>
/// One dispatcher invocation: its view of the slots, read the first time a message of the batch needs it; the images its messages
/// name and their snapshots' tags, read together before any message is handled (<see cref="ReplicationDispatcher.ReadAheadAsync"/>);
/// and, for a batch whose new jobs start together (<see cref="StartsTogether"/>), the jobs its messages recorded, to start once
/// every message is handled.
/// </summary>
public sealed class DispatchInvocation(ICopyJobStore store, ReplicationPolicy policy, bool startsTogether = false)
{
    private readonly List<CopyJob> _toStart = [];
    private readonly Dictionary<(string Region, string ImageId), ImageInfo?> _images = [];
    private readonly Dictionary<(string Region, string SnapshotId), IReadOnlyDictionary<string, string>> _snapshotTags = [];
    private SlotView? _view;

    public async Task<SlotView> GetAsync(CancellationToken cancellationToken) =>
        _view ??= new SlotView(await store.ListCountersAsync(cancellationToken), policy);

    /// <summary>The view, if this invocation has read it already.</summary>
    public SlotView? Loaded => _view;

    /// <summary>
    /// The batch's new jobs start together after its last message, in <see cref="CopyJob.StartOrder"/> across the whole batch (the
    /// largest first among those ready in the same minute), rather than each message's as it is handled: a burst gathered in one
    /// batch fills the slots with its longest copies, not with whichever AMIs came first.
    /// </summary>
    public bool StartsTogether => startsTogether;

    /// <summary>A job of this invocation gave its slots back; a view read before that learns it (one read after sees it anyway).</summary>
    public void Released(CopyJobKey key) => _view?.Released(key);

    /// <summary>New jobs to start with the rest of the batch's (<see cref="StartsTogether"/>).</summary>
    public void StartLater(IEnumerable<CopyJob> jobs) => _toStart.AddRange(jobs);

    /// <summary>The jobs put aside to start together, now taken: put aside no more.</summary>
    public IReadOnlyList<CopyJob> TakeJobsToStart()
    {
        var jobs = _toStart.ToList();
        _toStart.Clear();
        return jobs;
    }

    /// <summary>What one read ahead answered for the images asked (one it did not answer is absent: deregistered, or not visible yet).</summary>
    public void ReadAhead(string region, IEnumerable<string> asked, IReadOnlyDictionary<string, ImageInfo> answered)
    {
        foreach (var imageId in asked)
        {
            _images[(region, imageId)] = answered.GetValueOrDefault(imageId);
        }
    }

    /// <summary>Snapshot tags read ahead for the batch's sources.</summary>
    public void ReadAhead(string region, IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>> tagsBySnapshot)
    {
        foreach (var (snapshotId, tags) in tagsBySnapshot)
        {
            _snapshotTags[(region, snapshotId)] = tags;
        }
    }

    /// <summary>Whether the image was asked for by a read ahead that was answered, and what it answered (null: absent).</summary>
    public (bool Asked, ImageInfo? Image) ImageRead(string region, string imageId) =>
        _images.TryGetValue((region, imageId), out var image) ? (true, image) : (false, null);

    /// <summary>The source's snapshot tags as read ahead, or null when any of its snapshots' were not.</summary>
    public IReadOnlyList<SourceSnapshotTags>? SnapshotTagsRead(ImageInfo source)
    {
        var tags = new Dictionary<string, IReadOnlyDictionary<string, string>>(StringComparer.Ordinal);
        foreach (var snapshotId in SourceSnapshotTagReader.SnapshotIds(source))
        {
            if (!_snapshotTags.TryGetValue((source.Region, snapshotId), out var read))
            {
                return null;
            }

            tags[snapshotId] = read;
        }

        return SourceSnapshotTagReader.From(source, tags);
    }
}
