namespace AmiReplicator.Resilience.Tests;

/// <summary>A destination and its budgets (small, so that contention is real).</summary>
/// <param name="SnapshotCopyMiBps">A destination of time-based copies: the throughput budget per pair (each 8 GiB copy claims 10 MiB/s); null: not time-based.</param>
public sealed record DestinationBudget(string Region, int MaxInFlight, int MaxInFlightPerSource, int? SnapshotCopyMiBps = null);
