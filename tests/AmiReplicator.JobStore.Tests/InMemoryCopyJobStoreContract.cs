using AmiReplicator.Domain.Jobs;
using AmiReplicator.InMemory;

namespace AmiReplicator.JobStore.Tests;

public sealed class InMemoryCopyJobStoreContract : CopyJobStoreContract
{
    protected override Task<ICopyJobStore> NewStoreAsync() => Task.FromResult<ICopyJobStore>(new InMemoryCopyJobStore());

    protected override ICopyJobInspection InspectionOf(ICopyJobStore store) => (InMemoryCopyJobStore)store;
}
