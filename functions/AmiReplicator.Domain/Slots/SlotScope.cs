using AmiReplicator.Domain.Jobs;

namespace AmiReplicator.Domain.Slots;

/// <summary>What a slot counter counts: all copies into a destination, or those into it from one source region.</summary>
public sealed record SlotScope(CopyDestination Destination, string? SourceRegion)
{
    public static SlotScope All(CopyDestination destination) => new(destination, null);

    public static SlotScope Pair(string sourceRegion, CopyDestination destination) => new(destination, sourceRegion);

    /// <summary>The two slots a copy job holds while it copies.</summary>
    public static IReadOnlyList<SlotScope> HeldBy(CopyJobKey key) => [All(key.Destination), Pair(key.SourceRegion, key.Destination)];

    public bool Covers(CopyJobKey key) =>
        key.Destination == Destination && (SourceRegion is null || SourceRegion == key.SourceRegion);

    /// <summary>The counter's sort key: the home account's as before targets existed, a target account's with the account before the region.</summary>
    public override string ToString() => SourceRegion is null ? $"DEST#{Destination.KeyText}" : $"PAIR#{SourceRegion}#{Destination.KeyText}";

    public static SlotScope Parse(string text) => text.Split('#') switch
    {
        ["DEST", var destination] => All(CopyDestination.Home(destination)),
        ["DEST", var account, var destination] => All(new CopyDestination(destination, account)),
        ["PAIR", var source, var destination] => Pair(source, CopyDestination.Home(destination)),
        ["PAIR", var source, var account, var destination] => Pair(source, new CopyDestination(destination, account)),
        _ => throw new FormatException($"'{text}' is not a slot counter scope."),
    };
}
