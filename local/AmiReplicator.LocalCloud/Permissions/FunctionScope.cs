namespace AmiReplicator.LocalCloud.Permissions;

/// <summary>
/// Which function's code runs on this call chain. In Lambda each function has its own process; here both handlers share one,
/// so whatever invokes a handler (the SQS event source, the poller schedule, a test acting as Lambda) names it, and the
/// permission check attributes every AWS call made below to that function. Calls outside any scope are the harness's own.
/// </summary>
public static class FunctionScope
{
    private static readonly AsyncLocal<string?> Function = new();

    /// <summary>The function running on this call chain, null for the harness.</summary>
    public static string? Current => Function.Value;

    /// <summary>Runs <paramref name="invocation"/> as <paramref name="function"/>; the name stays with this call chain only.</summary>
    public static async Task<T> RunAsync<T>(string function, Func<Task<T>> invocation)
    {
        Function.Value = function;
        return await invocation();
    }

    public static Task RunAsync(string function, Func<Task> invocation) => RunAsync(function, async () =>
    {
        await invocation();
        return true;
    });

    /// <summary>
    /// Runs <paramref name="call"/> as Lambda itself (an event source mapping receiving or deleting messages), not as the function
    /// whose invocation may be on this call chain: the function's part of the contract does not hold it.
    /// </summary>
    public static async Task<T> RunAsLambdaAsync<T>(Func<Task<T>> call)
    {
        Function.Value = null;
        return await call();
    }
}
