using AmiReplicator.LocalCloud.Permissions;

namespace AmiReplicator.Resilience.Tests.Faults;

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
