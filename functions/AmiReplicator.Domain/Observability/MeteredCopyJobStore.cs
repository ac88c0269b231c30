using AmiReplicator.Contract;
using AmiReplicator.Domain.Jobs;
using AmiReplicator.Domain.Slots;

namespace AmiReplicator.Domain.Observability;

/// <summary>
/// Counts copies started, completed, failed and cancelled where every state change passes: at the store. Whichever path moves a
/// job (the poller, a copy's own event, a retry by hand, a refusal at creation), its metric cannot be forgotten.
/// </summary>
public sealed class MeteredCopyJobStore(ICopyJobStore inner, IMetrics metrics) : ICopyJobStore
{
    public Task<CopyJob?> GetAsync(CopyJobKey key, CancellationToken cancellationToken) => inner.GetAsync(key, cancellationToken);

    public Task<IReadOnlyList<CopyJob>> GetManyAsync(IReadOnlyCollection<CopyJobKey> keys, CancellationToken cancellationToken) =>
        inner.GetManyAsync(keys, cancellationToken);

    public Task<IReadOnlyList<Distribution>> ListDistributionsToInspectAsync(DateTimeOffset dueBy, int limit, CancellationToken cancellationToken) =>
        inner.ListDistributionsToInspectAsync(dueBy, limit, cancellationToken);

    public Task<Distribution?> SaveDistributionAsync(Distribution from, Distribution to, CancellationToken cancellationToken) =>
        inner.SaveDistributionAsync(from, to, cancellationToken);

    public Task<bool> SaveDistributionsAsync(IReadOnlyList<(Distribution From, Distribution To)> saves, CancellationToken cancellationToken) =>
        inner.SaveDistributionsAsync(saves, cancellationToken);

    public Task<IReadOnlyList<CopyJob>> ListHeldAsync(DistributionId key, int throughWave, int limit, CancellationToken cancellationToken) =>
        inner.ListHeldAsync(key, throughWave, limit, cancellationToken);

    public Task<ScheduledTurn> TryStartSweepAsync(string sourceRegion, DateTimeOffset now, TimeSpan interval, CancellationToken cancellationToken) =>
        inner.TryStartSweepAsync(sourceRegion, now, interval, cancellationToken);

    public Task<ScheduledTurn> TryStartRetentionAsync(string destination, DateTimeOffset now, TimeSpan interval, CancellationToken cancellationToken) =>
        inner.TryStartRetentionAsync(destination, now, interval, cancellationToken);

    public async Task<IReadOnlyList<(CopyJob Job, bool Created)>> CreateAllIfAbsentAsync(IReadOnlyList<CopyJob> jobs, CancellationToken cancellationToken)
    {
        var results = await inner.CreateAllIfAbsentAsync(jobs, cancellationToken);
        foreach (var (job, created) in results.Where(r => r.Created))
        {
            Observe(null, job);
        }

        return results;
    }

    public async Task<TransitionResult> TransitionAsync(CopyJob from, CopyJob to, SlotBudget budget, CancellationToken cancellationToken)
    {
        var result = await inner.TransitionAsync(from, to, budget, cancellationToken);
        if (result is { Applied: true, Job: { } stored })
        {
            Observe(from, stored);
        }

        return result;
    }

    public Task<IReadOnlyList<CopyJob>> ListActiveAsync(CopyDestination destination, int limit, CancellationToken cancellationToken) =>
        inner.ListActiveAsync(destination, limit, cancellationToken);

    public Task<IReadOnlyList<CopyJob>> ListWaitingAsync(CopyDestination destination, string sourceRegion, DateTimeOffset? readyBy, int limit, CancellationToken cancellationToken) =>
        inner.ListWaitingAsync(destination, sourceRegion, readyBy, limit, cancellationToken);

    public Task<int> CountWaitingAsync(CopyDestination destination, string sourceRegion, CancellationToken cancellationToken) =>
        inner.CountWaitingAsync(destination, sourceRegion, cancellationToken);

    public Task<IReadOnlyList<SlotCounter>> ListCountersAsync(CancellationToken cancellationToken) => inner.ListCountersAsync(cancellationToken);

    public Task<bool> CreateCounterAsync(SlotCounter counter, CancellationToken cancellationToken) => inner.CreateCounterAsync(counter, cancellationToken);

    public Task BackOffAsync(CopyDestination destination, DateTimeOffset until, CancellationToken cancellationToken) =>
        inner.BackOffAsync(destination, until, cancellationToken);

    public Task<bool> RepairHolderAsync(SlotScope scope, CopyJobKey holder, CopyJob? job, CancellationToken cancellationToken) =>
        inner.RepairHolderAsync(scope, holder, job, cancellationToken);

    public Task<bool> RepairInFlightAsync(SlotCounter counter, CancellationToken cancellationToken) => inner.RepairInFlightAsync(counter, cancellationToken);

    private void Observe(CopyJob? from, CopyJob to)
    {
        if (from?.State == to.State)
        {
            return;
        }

        var destination = to.Key.DestinationRegion;
        switch (to.State)
        {
            case CopyJobState.Copying:
                metrics.Record(ReplicatorMetrics.CopiesStarted, 1, destination);
                break;
            case CopyJobState.Available:
                metrics.Record(ReplicatorMetrics.CopiesCompleted, 1, destination);
                if (to is { CopyStartedAt: { } started, CompletedAt: { } completed })
                {
                    metrics.Record(ReplicatorMetrics.CopyDuration, Math.Max(0, (completed - started).TotalSeconds), destination);
                }

                break;
            case CopyJobState.Failed:
                metrics.Record(ReplicatorMetrics.CopiesFailed, 1, destination);
                break;
            case CopyJobState.Cancelled:
                metrics.Record(ReplicatorMetrics.CopiesCancelled, 1, destination);
                break;
        }
    }
}
