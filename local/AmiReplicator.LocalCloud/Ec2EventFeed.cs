namespace AmiReplicator.LocalCloud;

/// <summary>
/// The EC2 events a simulator emitted, each handed on once as the stack's rules hand them to the request queue (the sources' and the
/// copies' own alike), for whichever queue a harness has.
/// </summary>
public sealed class Ec2EventFeed(Ec2Simulator.Ec2Simulator simulator)
{
    private int _taken;

    /// <summary>The events emitted since the last call, as EventBridge delivers them.</summary>
    public IReadOnlyList<string> TakeNew()
    {
        var changes = simulator.StateChanges();
        var fresh = changes.Skip(_taken).Select(change => change.ToEventBridgeJson()).ToList();
        _taken = changes.Count;
        return fresh;
    }
}
