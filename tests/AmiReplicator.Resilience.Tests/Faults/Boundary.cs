using AmiReplicator.LocalCloud.Permissions;

namespace AmiReplicator.Resilience.Tests.Faults;

/// <summary>Which side of a port call a fault is injected on.</summary>
public enum Phase
{
    /// <summary>The call is never made (the worker died, or the request failed, before it).</summary>
    Before,

    /// <summary>The call was made and took effect, but its caller never learns it (died, or the response was lost).</summary>
    After,
}

/// <summary>
/// One call of a port method (<see cref="Domain.Jobs.ICopyJobStore"/> or <see cref="Domain.Images.IImageGateway"/>), made by an
/// actor (the dispatcher or the poller). <see cref="Detail"/> tells steps of the same method apart (a transition's from->to states,
/// the state listed, the region read), so each step of the design is a boundary of its own.
/// </summary>
public sealed record Boundary(string Actor, string Port, string Method, string Detail)
{
    public override string ToString() => $"{Actor}: {Port}.{Method}({Detail})";
}

/// <summary>Where a worker dies: before or after the first call matching the boundary.</summary>
public sealed record CrashPoint(Boundary At, Phase Phase)
{
    public override string ToString() => $"{Phase.ToString().ToLowerInvariant()} {At}";
}

/// <summary>
/// The worker (a Lambda invocation) dies here: nothing after this point runs. It derives from <see cref="OperationCanceledException"/>
/// because that is the one exception the handlers deliberately let through (they catch every other one and carry on, which a dead
/// process would not): so it ends the whole invocation, as a crash or a timeout does.
/// </summary>
public sealed class SimulatedCrash(string message) : OperationCanceledException(message);

/// <summary>Who is making port calls on this async flow: set by the test around each invocation.</summary>
public static class Actor
{
    public const string Dispatcher = AmiReplicator.Contract.ReplicatorFunctions.Dispatcher;
    public const string Poller = AmiReplicator.Contract.ReplicatorFunctions.Poller;

    private static readonly AsyncLocal<string?> Current = new();

    public static string Name => Current.Value ?? "test";

    /// <summary>
    /// Runs <paramref name="invocation"/> as <paramref name="actor"/> (a function's name, or <c>{function}-{n}</c> for one of
    /// several instances of it running at once); the name stays with this call chain only, and the permission check holds the
    /// function's AWS calls to its part of the contract.
    /// </summary>
    public static async Task<T> RunAsync<T>(string actor, Func<Task<T>> invocation)
    {
        Current.Value = actor;
        return await FunctionScope.RunAsync(actor.Split('-')[0], invocation);
    }

    public static Task RunAsync(string actor, Func<Task> invocation) => RunAsync(actor, async () =>
    {
        await invocation();
        return true;
    });
}

/// <summary>Decides, around every port call, whether to let it through, fail it, delay it or crash the worker.</summary>
public interface IFaultInjector
{
    Task<T> AroundAsync<T>(string port, string method, string detail, Func<Task<T>> call);
}
