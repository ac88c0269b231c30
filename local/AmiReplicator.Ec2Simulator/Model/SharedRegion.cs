namespace AmiReplicator.Ec2Simulator.Model;

/// <summary>
/// What one region holds for every account at once: images and snapshots (each with its owner, seen by other accounts through
/// their permissions), plus the faults and counters of the region's endpoint.
/// </summary>
internal sealed class SharedRegion(string name)
{
    public string Name { get; } = name;

    public Dictionary<string, SimImage> Images { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, SimSnapshot> Snapshots { get; } = new(StringComparer.Ordinal);

    public Queue<StateReason> CopyFailures { get; } = new();

    public Dictionary<string, Queue<ApiFault>> Faults { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, int> Calls { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, int> Errors { get; } = new(StringComparer.Ordinal);
}
