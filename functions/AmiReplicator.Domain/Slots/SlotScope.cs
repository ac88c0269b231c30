using AmiReplicator.Domain.Jobs;

namespace AmiReplicator.Domain.Slots;

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
