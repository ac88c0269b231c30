using AmiReplicator.Domain.Jobs;
using AmiReplicator.Domain.Policy;

namespace AmiReplicator.Domain.Slots;

/// <summary>
/// One dispatcher invocation's view of the slots, read the first time a message of the batch needs it; and, for a batch whose new
/// jobs start together (<see cref="StartsTogether"/>), the jobs its messages recorded, to start once every message is handled.
/// </summary>
public sealed class InvocationSlots(ICopyJobStore store, ReplicationPolicy policy, bool startsTogether = false)
{
    private readonly List<CopyJob> _toStart = [];
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
}
