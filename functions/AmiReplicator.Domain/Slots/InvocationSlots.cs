using AmiReplicator.Domain.Jobs;
using AmiReplicator.Domain.Policy;

namespace AmiReplicator.Domain.Slots;

/// <summary>One dispatcher invocation's view of the slots, read the first time a message of the batch needs it.</summary>
public sealed class InvocationSlots(ICopyJobStore store, ReplicationPolicy policy)
{
    private SlotView? _view;

    public async Task<SlotView> GetAsync(CancellationToken cancellationToken) =>
        _view ??= new SlotView(await store.ListCountersAsync(cancellationToken), policy);

    /// <summary>The view, if this invocation has read it already.</summary>
    public SlotView? Loaded => _view;

    /// <summary>A job of this invocation gave its slots back; a view read before that learns it (one read after sees it anyway).</summary>
    public void Released(CopyJobKey key) => _view?.Released(key);
}
