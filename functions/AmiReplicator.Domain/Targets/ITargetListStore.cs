using AmiReplicator.Domain.Policy;

namespace AmiReplicator.Domain.Targets;

/// <summary>Where the resolved target list is kept (one item of the job table), so every function and <c>amirepl</c> read one list.</summary>
public interface ITargetListStore
{
    /// <summary>The list as last written; <see cref="TargetList.Empty"/> (version 0) before the first sync.</summary>
    Task<TargetList> GetAsync(CancellationToken cancellationToken);

    /// <summary>Writes the list as version <c>list.Version + 1</c> if the stored one is still <c>list.Version</c>; false when another writer came first.</summary>
    Task<bool> TryPutAsync(TargetList list, CancellationToken cancellationToken);
}
