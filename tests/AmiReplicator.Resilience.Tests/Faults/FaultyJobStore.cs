using AmiReplicator.Domain.Jobs;
using AmiReplicator.Domain.Policy;
using AmiReplicator.Domain.Slots;

namespace AmiReplicator.Resilience.Tests.Faults;

/// <summary>The job store with a fault injector around every method: each call is a step boundary.</summary>
public sealed class FaultyJobStore(ICopyJobStore inner, IFaultInjector faults) : ICopyJobStore
{
    public const string Port = nameof(ICopyJobStore);

    public Task<CopyJob?> GetAsync(CopyJobKey key, CancellationToken cancellationToken) =>
        faults.AroundAsync(Port, nameof(GetAsync), "", () => inner.GetAsync(key, cancellationToken));

    public Task<IReadOnlyList<CopyJob>> GetManyAsync(IReadOnlyCollection<CopyJobKey> keys, CancellationToken cancellationToken) =>
        faults.AroundAsync(Port, nameof(GetManyAsync), "", () => inner.GetManyAsync(keys, cancellationToken));

    public Task<IReadOnlyList<Distribution>> ListDistributionsToInspectAsync(DateTimeOffset dueBy, int limit, CancellationToken cancellationToken) =>
        faults.AroundAsync(Port, nameof(ListDistributionsToInspectAsync), "", () => inner.ListDistributionsToInspectAsync(dueBy, limit, cancellationToken));

    public Task<Distribution?> SaveDistributionAsync(Distribution from, Distribution to, CancellationToken cancellationToken) =>
        faults.AroundAsync(Port, nameof(SaveDistributionAsync), "", () => inner.SaveDistributionAsync(from, to, cancellationToken));

    public Task<bool> SaveDistributionsAsync(IReadOnlyList<(Distribution From, Distribution To)> saves, CancellationToken cancellationToken) =>
        faults.AroundAsync(Port, nameof(SaveDistributionsAsync), "", () => inner.SaveDistributionsAsync(saves, cancellationToken));

    public Task<IReadOnlyList<CopyJob>> ListHeldAsync(DistributionId key, int throughWave, int limit, CancellationToken cancellationToken) =>
        faults.AroundAsync(Port, nameof(ListHeldAsync), "", () => inner.ListHeldAsync(key, throughWave, limit, cancellationToken));

    public Task<ScheduledTurn> TryStartSweepAsync(string sourceRegion, DateTimeOffset now, TimeSpan interval, CancellationToken cancellationToken) =>
        faults.AroundAsync(Port, nameof(TryStartSweepAsync), "", () => inner.TryStartSweepAsync(sourceRegion, now, interval, cancellationToken));

    public Task<ScheduledTurn> TryStartRetentionAsync(string destination, DateTimeOffset now, TimeSpan interval, CancellationToken cancellationToken) =>
        faults.AroundAsync(Port, nameof(TryStartRetentionAsync), "", () => inner.TryStartRetentionAsync(destination, now, interval, cancellationToken));

    public Task<IReadOnlyList<(CopyJob Job, bool Created)>> CreateAllIfAbsentAsync(IReadOnlyList<CopyJob> jobs, CancellationToken cancellationToken) =>
        faults.AroundAsync(Port, nameof(CreateAllIfAbsentAsync), "", () => inner.CreateAllIfAbsentAsync(jobs, cancellationToken));

    public Task<TransitionResult> TransitionAsync(CopyJob from, CopyJob to, SlotBudget budget, CancellationToken cancellationToken) =>
        faults.AroundAsync(Port, nameof(TransitionAsync), TransitionDetail(from, to), () => inner.TransitionAsync(from, to, budget, cancellationToken));

    public Task<IReadOnlyList<CopyJob>> ListActiveAsync(CopyDestination destination, int limit, CancellationToken cancellationToken) =>
        faults.AroundAsync(Port, nameof(ListActiveAsync), "", () => inner.ListActiveAsync(destination, limit, cancellationToken));

    public Task<IReadOnlyList<CopyJob>> ListWaitingAsync(CopyDestination destination, string sourceRegion, DateTimeOffset? readyBy, int limit, CancellationToken cancellationToken) =>
        faults.AroundAsync(Port, nameof(ListWaitingAsync), readyBy is null ? "all" : "ready",
            () => inner.ListWaitingAsync(destination, sourceRegion, readyBy, limit, cancellationToken));

    public Task<int> CountWaitingAsync(CopyDestination destination, string sourceRegion, CancellationToken cancellationToken) =>
        faults.AroundAsync(Port, nameof(CountWaitingAsync), "", () => inner.CountWaitingAsync(destination, sourceRegion, cancellationToken));

    public Task<IReadOnlyList<SlotCounter>> ListCountersAsync(CancellationToken cancellationToken) =>
        faults.AroundAsync(Port, nameof(ListCountersAsync), "", () => inner.ListCountersAsync(cancellationToken));

    public Task<bool> CreateCounterAsync(SlotCounter counter, CancellationToken cancellationToken) =>
        faults.AroundAsync(Port, nameof(CreateCounterAsync), counter.Scope.SourceRegion is null ? "destination" : "pair",
            () => inner.CreateCounterAsync(counter, cancellationToken));

    public Task BackOffAsync(CopyDestination destination, DateTimeOffset until, CancellationToken cancellationToken) =>
        faults.AroundAsync(Port, nameof(BackOffAsync), "", async () =>
        {
            await inner.BackOffAsync(destination, until, cancellationToken);
            return true;
        });

    public Task<bool> RepairHolderAsync(SlotScope scope, CopyJobKey holder, CopyJob? job, CancellationToken cancellationToken) =>
        faults.AroundAsync(Port, nameof(RepairHolderAsync), job?.State.HoldsSlot() == true ? "add holder" : "remove holder",
            () => inner.RepairHolderAsync(scope, holder, job, cancellationToken));

    public Task<bool> RepairInFlightAsync(SlotCounter counter, CancellationToken cancellationToken) =>
        faults.AroundAsync(Port, nameof(RepairInFlightAsync), "", () => inner.RepairInFlightAsync(counter, cancellationToken));

    /// <summary>A transition's step: its states, and whether it starts a new attempt or takes or releases slots.</summary>
    private static string TransitionDetail(CopyJob from, CopyJob to) =>
        $"{from.State}->{to.State}{(to.Attempt > from.Attempt ? " new attempt" : "")}";
}
