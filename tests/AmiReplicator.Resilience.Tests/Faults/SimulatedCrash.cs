namespace AmiReplicator.Resilience.Tests.Faults;

/// <summary>
/// The worker (a Lambda invocation) dies here: nothing after this point runs. It derives from <see cref="OperationCanceledException"/>
/// because that is the one exception the handlers deliberately let through (they catch every other one and carry on, which a dead
/// process would not): so it ends the whole invocation, as a crash or a timeout does.
/// </summary>
public sealed class SimulatedCrash(string message) : OperationCanceledException(message);
