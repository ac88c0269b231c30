using AmiReplicator.LocalLambda;
namespace AmiReplicator.LambdaHost.Tests;

/// <summary>A LambdaRuntime.RunAsync loop in the background, stopped (and its exit awaited) on dispose.</summary>
internal sealed class RunningRuntime : IAsyncDisposable
{
    private readonly CancellationTokenSource _cancellation = new();
    private readonly HttpClient _http = new() { Timeout = Timeout.InfiniteTimeSpan };

    private RunningRuntime(Func<RunningRuntime, Task<int>> run) => Exit = Task.Run(() => run(this));

    public Task<int> Exit { get; }

    public StringWriter Log { get; } = new();

    public CancellationToken Token => _cancellation.Token;

    /// <summary>Through the public API: system clock, errors to stderr.</summary>
    public static RunningRuntime Start(FakeRuntimeApi api, Func<CancellationToken, Task<LambdaHandler>> init) =>
        new(r => LambdaRuntime.RunAsync(api.Address, r._http, init, r.Token));

    public static RunningRuntime Start(FakeRuntimeApi api, LambdaHandler handler) =>
        Start(api, _ => Task.FromResult(handler));

    /// <summary>Through the internal loop, to control the clock and read the error log.</summary>
    public static RunningRuntime Start(FakeRuntimeApi api, TimeProvider clock, LambdaHandler handler) =>
        new(r => LambdaRuntime.RunAsync(
            new RuntimeApiClient(api.Address, r._http), _ => Task.FromResult(handler), clock, TextWriter.Synchronized(r.Log), r.Token));

    /// <summary>Cancels the loop and returns its exit code; fails the test if it does not stop in time.</summary>
    public async Task<int> StopAsync()
    {
        await _cancellation.CancelAsync();
        return await Exit.WaitAsync(FakeRuntimeApi.WaitTimeout);
    }

    public async ValueTask DisposeAsync()
    {
        if (!Exit.IsCompleted)
        {
            await StopAsync();
        }

        _cancellation.Dispose();
        _http.Dispose();
    }
}
