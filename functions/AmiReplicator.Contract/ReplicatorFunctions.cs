namespace AmiReplicator.Contract;

/// <summary>The names of the two functions, as the permission contract and the local harness spell them.</summary>
public static class ReplicatorFunctions
{
    public const string Dispatcher = "dispatcher";
    public const string Poller = "poller";

    public static IReadOnlyList<string> All { get; } = [Dispatcher, Poller];
}
