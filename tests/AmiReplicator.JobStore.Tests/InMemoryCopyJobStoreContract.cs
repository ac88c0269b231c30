using AmiReplicator.Domain.Jobs;
using AmiReplicator.InMemory;

namespace AmiReplicator.JobStore.Tests;

public sealed class InMemoryCopyJobStoreContract : CopyJobStoreContract
{
    protected override Task<ICopyJobStore> NewStoreAsync(TimeSpan? jobRetention = null) =>
        Task.FromResult<ICopyJobStore>(new InMemoryCopyJobStore { JobRetention = jobRetention });

    protected override ICopyJobInspection InspectionOf(ICopyJobStore store) => (InMemoryCopyJobStore)store;
}
