using AmiReplicator.Domain.Policy;
using AmiReplicator.Domain.Targets;

namespace AmiReplicator.InMemory;

/// <summary>The target list in memory, written over the version read as the DynamoDB item is.</summary>
public sealed class InMemoryTargetListStore : ITargetListStore
{
    private readonly Lock _gate = new();
    private TargetList _list = TargetList.Empty;

    public Task<TargetList> GetAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return Task.FromResult(_list);
        }
    }

    public Task<bool> TryPutAsync(TargetList list, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (_list.Version != list.Version)
            {
                return Task.FromResult(false);
            }

            _list = list with { Version = list.Version + 1 };
            return Task.FromResult(true);
        }
    }
}
