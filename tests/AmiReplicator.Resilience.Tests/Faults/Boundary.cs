namespace AmiReplicator.Resilience.Tests.Faults;

/// <summary>
/// One call of a port method (<see cref="Domain.Jobs.ICopyJobStore"/> or <see cref="Domain.Images.IImageGateway"/>), made by an
/// actor (the dispatcher or the poller). <see cref="Detail"/> tells steps of the same method apart (a transition's from->to states,
/// the state listed, the region read), so each step of the design is a boundary of its own.
/// </summary>
public sealed record Boundary(string Actor, string Port, string Method, string Detail)
{
    public override string ToString() => $"{Actor}: {Port}.{Method}({Detail})";
}
