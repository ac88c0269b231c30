using AmiReplicator.Contract;
using AmiReplicator.Domain.Jobs;
using AmiReplicator.Domain.Observability;
using Microsoft.Extensions.Logging;

namespace AmiReplicator.Domain.Slots;

/// <summary>
/// Keeps the slot counters equal to the jobs: a counter must list exactly the jobs that hold its slots. Repairs what dead
/// workers and people leave (a holder that holds nothing, a slot-holding job missing from its counter, an InFlight that does not
/// match, a counter deleted by hand), each repair logged and counted.
/// </summary>
public sealed class CounterReconciler(ICopyJobStore store, TrackingOptions options, IMetrics metrics, ILogger<CounterReconciler> log)
{
    /// <summary>
    /// Rebuilds a missing counter from the jobs holding its slots. Claims need the counter to exist, so none passes the budget
    /// before this; a job listed late by the index is added by the next <see cref="ReconcileAsync"/>.
    /// </summary>
    public async Task<SlotCounter> RebuildAsync(SlotScope scope, CancellationToken cancellationToken)
    {
        var counter = SlotCounter.Holding(scope, await ListHoldingAsync(scope.Destination, cancellationToken));
        var holders = counter.Holders;
        if (!await store.CreateCounterAsync(counter, cancellationToken))
        {
            return counter;
        }

        if (holders.Count == 0)
        {
            // A pair's or destination's first job makes its counter; a deleted one with nothing in flight is the same.
            log.LogInformation("Counter {Counter} created", scope);
        }
        else
        {
            log.LogWarning("Counter {Counter} was missing: rebuilt from the {Holders} jobs holding its slots", scope, holders.Count);
            metrics.Record(ReplicatorMetrics.Repairs, 1, scope.Destination.Region);
        }

        return counter;
    }

    /// <summary>The jobs of a destination that hold slots (claimed or copying), as the index lists them.</summary>
    public async Task<IReadOnlyList<CopyJob>> ListHoldingAsync(CopyDestination destination, CancellationToken cancellationToken) =>
        [.. (await store.ListActiveAsync(destination, options.PageSize, cancellationToken)).Where(j => j.State.HoldsSlot())];

    /// <summary>
    /// Puts the destination's counters right against the jobs that held slots when listed. The index lags, so every suspect is
    /// read again (consistently) and a repair is written only if that job has not changed since. A destination with jobs but a
    /// missing counter gets it rebuilt. Answers the number of repairs.
    /// </summary>
    public async Task<int> ReconcileAsync(CopyDestination destination, IReadOnlyList<SlotCounter> counters, IReadOnlyList<CopyJob> listedHolding, CancellationToken cancellationToken)
    {
        var repairs = 0;
        foreach (var missing in listedHolding.SelectMany(j => SlotScope.HeldBy(j.Key)).Distinct().Where(s => counters.All(c => c.Scope != s)))
        {
            await RebuildAsync(missing, cancellationToken);
        }

        foreach (var counter in counters.Where(c => c.Scope.Destination == destination))
        {
            var expected = listedHolding.Select(j => j.Key).Where(counter.Scope.Covers).ToHashSet();
            var suspects = counter.Holders.Except(expected).Concat(expected.Except(counter.Holders));
            var repaired = false;
            foreach (var key in suspects)
            {
                var job = await store.GetAsync(key, cancellationToken);
                var holds = job?.State.HoldsSlot() == true;
                if (holds == counter.Holders.Contains(key))
                {
                    continue;
                }

                if (await store.RepairHolderAsync(counter.Scope, key, job, cancellationToken))
                {
                    log.LogWarning("Repaired counter {Counter}: {Job} ({State}) {Change}", counter.Scope, key,
                        job?.State.ToString() ?? "no such job", holds ? "was missing from its holders" : "held a slot it should not");
                    repairs++;
                    repaired = true;
                }
            }

            if (!repaired && !counter.MatchesHolders && await store.RepairInFlightAsync(counter, cancellationToken))
            {
                if (counter.CommittedMiBps == counter.HolderMiBps.Values.Sum())
                {
                    log.LogWarning("Repaired counter {Counter}: InFlight was {InFlight} for {Holders} holders", counter.Scope, counter.InFlight, counter.Holders.Count);
                }
                else
                {
                    log.LogWarning("Repaired counter {Counter}: {Committed} MiB/s committed for holders holding {HeldMiBps} (InFlight {InFlight} for {Holders} holders)",
                        counter.Scope, counter.CommittedMiBps, counter.HolderMiBps.Values.Sum(), counter.InFlight, counter.Holders.Count);
                }

                repairs++;
            }
        }

        if (repairs > 0)
        {
            metrics.Record(ReplicatorMetrics.Repairs, repairs, destination.Region);
        }

        return repairs;
    }
}
