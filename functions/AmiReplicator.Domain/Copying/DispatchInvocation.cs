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
    private readonly Dictionary<(string Region, string ImageId), ImageInfo> _images = [];
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

    /// <summary>Images read ahead for the batch's messages.</summary>
    public void ReadAhead(IEnumerable<ImageInfo> images)
    {
        foreach (var image in images)
        {
            _images[(image.Region, image.ImageId)] = image;
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

    /// <summary>The image as read ahead, or null: not read ahead (or not found then), so the message reads it itself.</summary>
    public ImageInfo? ImageRead(string region, string imageId) => _images.GetValueOrDefault((region, imageId));

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
