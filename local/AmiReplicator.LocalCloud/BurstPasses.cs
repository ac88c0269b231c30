namespace AmiReplicator.LocalCloud;

/// <summary>How the poller passes of a burst went.</summary>
/// <param name="PassTimes">The virtual time of every poller pass.</param>
/// <param name="PassWallTimes">How long each pass took on the machine.</param>
/// <param name="Done">No job left waiting, claimed or copying before <see cref="BurstSettings.MaxMinutes"/>.</param>
public sealed record BurstPasses(
    IReadOnlyList<DateTimeOffset> PassTimes, IReadOnlyList<TimeSpan> PassWallTimes, int EventDeliveries, int FailedDeliveries, int PollerErrors, bool Done);
