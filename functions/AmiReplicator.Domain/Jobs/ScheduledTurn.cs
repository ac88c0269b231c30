namespace AmiReplicator.Domain.Jobs;

/// <summary>
/// The answer to a try at a scheduled run's turn (a source region's sweep, a destination's retention): whether this caller took it,
/// and when the next turn is due (from the run this caller started, or the one another started, as the store recorded it).
/// </summary>
public readonly record struct ScheduledTurn(bool Taken, DateTimeOffset NextDue);
