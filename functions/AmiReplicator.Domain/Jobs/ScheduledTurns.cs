namespace AmiReplicator.Domain.Jobs;

/// <summary>
/// A worker's memory of when each scheduled run (a source region's sweep, a destination's retention) is next due, so that a
/// poller running every minute does not ask the store for an hourly turn it knows is not due yet: one conditional write per run
/// and worker an interval, not one a pass. Forgetting it (a new process) only costs one refused try.
/// </summary>
public sealed class ScheduledTurns(TimeProvider clock)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, DateTimeOffset> _nextDue = new(StringComparer.Ordinal);

    /// <summary>Tries <paramref name="take"/> for the run unless its turn is known not to be due; answers whether this caller took it.</summary>
    public async Task<bool> TryTakeAsync(string run, Func<DateTimeOffset, Task<ScheduledTurn>> take)
    {
        var now = clock.GetUtcNow();
        lock (_gate)
        {
            if (_nextDue.TryGetValue(run, out var due) && now < due)
            {
                return false;
            }
        }

        var turn = await take(now);
        lock (_gate)
        {
            _nextDue[run] = turn.NextDue;
        }

        return turn.Taken;
    }
}
