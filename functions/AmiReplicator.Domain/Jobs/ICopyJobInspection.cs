using AmiReplicator.Domain.Slots;

namespace AmiReplicator.Domain.Jobs;

/// <summary>
/// The whole table as people read it (the operator CLI, the local run, the tests): every job and every counter. The
/// workflows never use it; they read by key and by index through <see cref="ICopyJobStore"/>.
/// </summary>
public interface ICopyJobInspection
{
    /// <summary>Every copy job, in key order.</summary>
    Task<IReadOnlyList<CopyJob>> ListJobsAsync(CancellationToken cancellationToken);

    /// <summary>Every slot counter.</summary>
    Task<IReadOnlyList<SlotCounter>> ListCountersAsync(CancellationToken cancellationToken);
}
