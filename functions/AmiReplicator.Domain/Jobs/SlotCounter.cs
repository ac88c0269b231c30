namespace AmiReplicator.Domain.Jobs;

/// <summary>What a slot counter counts: all copies into a destination, or those into it from one source region.</summary>
public sealed record SlotScope(string DestinationRegion, string? SourceRegion)
{
    public static SlotScope Destination(string destinationRegion) => new(destinationRegion, null);

    public static SlotScope Pair(string sourceRegion, string destinationRegion) => new(destinationRegion, sourceRegion);

    /// <summary>The two slots a copy job holds while it copies.</summary>
    public static IReadOnlyList<SlotScope> HeldBy(CopyJobKey key) =>
        [Destination(key.DestinationRegion), Pair(key.SourceRegion, key.DestinationRegion)];

    public bool Covers(CopyJobKey key) =>
        key.DestinationRegion == DestinationRegion && (SourceRegion is null || SourceRegion == key.SourceRegion);

    public override string ToString() => SourceRegion is null ? $"DEST#{DestinationRegion}" : $"PAIR#{SourceRegion}#{DestinationRegion}";

    public static SlotScope Parse(string text) => text.Split('#') switch
    {
        ["DEST", var destination] => Destination(destination),
        ["PAIR", var source, var destination] => Pair(source, destination),
        _ => throw new FormatException($"'{text}' is not a slot counter scope."),
    };
}

/// <summary>A slot counter: copies in flight and the jobs holding them (the holders make acquire and release idempotent).</summary>
/// <param name="BackOffUntil">On a destination's counter: no claim before this time (EC2 answered ResourceLimitExceeded).</param>
public sealed record SlotCounter(SlotScope Scope, int InFlight, IReadOnlySet<CopyJobKey> Holders, DateTimeOffset? BackOffUntil = null)
{
    public bool BacksOffAt(DateTimeOffset now) => BackOffUntil > now;
}
