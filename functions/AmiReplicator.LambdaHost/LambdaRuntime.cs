namespace AmiReplicator.LambdaHost;

/// <summary>The custom-runtime loop: init once, then next event, handler, response or error, forever.</summary>
public static class LambdaRuntime
{
    /// <summary>How long before the deadline the handler's token is cancelled, so it can stop cleanly.</summary>
    internal static readonly TimeSpan CancellationMargin = TimeSpan.FromMilliseconds(500);

    internal static readonly TimeSpan FirstBackoff = TimeSpan.FromMilliseconds(100);
    internal static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Runs against the Runtime API named by AWS_LAMBDA_RUNTIME_API. Returns 1 when init fails (after reporting it)
    /// or the variable is missing, 0 once <paramref name="cancellationToken"/> is cancelled.
    /// </summary>
    public static async Task<int> RunAsync(
        Func<CancellationToken, Task<LambdaHandler>> init, CancellationToken cancellationToken = default)
    {
        var runtimeApi = Environment.GetEnvironmentVariable("AWS_LAMBDA_RUNTIME_API");
        if (string.IsNullOrWhiteSpace(runtimeApi))
        {
            ErrorLog.Write(Console.Error, "AWS_LAMBDA_RUNTIME_API is not set: this runs only as a Lambda custom runtime.");
            return 1;
        }

        // The Runtime API is local to the sandbox: a proxy configured for the function's own calls must not apply.
        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false })
        {
            Timeout = Timeout.InfiniteTimeSpan,
        };
        return await RunAsync(runtimeApi, http, init, cancellationToken);
    }

    /// <summary>Same, against <paramref name="runtimeApi"/> ("host:port").</summary>
    /// <param name="http">Should have an infinite Timeout: the next call waits as long as no event arrives.</param>
    public static Task<int> RunAsync(
        string runtimeApi,
        HttpClient http,
        Func<CancellationToken, Task<LambdaHandler>> init,
        CancellationToken cancellationToken = default) =>
        RunAsync(new RuntimeApiClient(runtimeApi, http), init, TimeProvider.System, Console.Error, cancellationToken);

    internal static async Task<int> RunAsync(
        RuntimeApiClient api,
        Func<CancellationToken, Task<LambdaHandler>> init,
        TimeProvider clock,
        TextWriter log,
        CancellationToken cancellationToken)
    {
        LambdaHandler handler;
        try
        {
            handler = await init(cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return 0;
        }
        catch (Exception e)
        {
            ErrorLog.Write(log, "Init failed.", e);
            await ReportAsync(() => api.PostInitErrorAsync(e, cancellationToken), log, null, cancellationToken);
            return 1;
        }

        var backoff = FirstBackoff;
        while (!cancellationToken.IsCancellationRequested)
        {
            LambdaInvocation invocation;
            try
            {
                invocation = await api.NextAsync(cancellationToken);
                backoff = FirstBackoff;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                ErrorLog.Write(log, "Getting the next event failed.", e);
                try
                {
                    await Task.Delay(backoff, clock, cancellationToken);
                }
                catch (OperationCanceledException)
                {
                    break;
                }

                backoff = backoff * 2 < MaxBackoff ? backoff * 2 : MaxBackoff;
                continue;
            }

            await InvokeAsync(api, handler, invocation, clock, log, cancellationToken);
        }

        return 0;
    }

    private static async Task InvokeAsync(
        RuntimeApiClient api,
        LambdaHandler handler,
        LambdaInvocation invocation,
        TimeProvider clock,
        TextWriter log,
        CancellationToken cancellationToken)
    {
        // The X-Ray SDK reads the trace header from here; clearing it keeps one invocation's trace out of the next.
        Environment.SetEnvironmentVariable("_X_AMZN_TRACE_ID", invocation.TraceId);

        var remaining = invocation.RemainingTime(clock);
        using var nearDeadline = new CancellationTokenSource(
            remaining > CancellationMargin ? remaining - CancellationMargin : remaining, clock);
        using var handlerCancellation =
            CancellationTokenSource.CreateLinkedTokenSource(nearDeadline.Token, cancellationToken);

        string result;
        try
        {
            result = await handler(invocation, handlerCancellation.Token);
        }
        catch (Exception e)
        {
            ErrorLog.Write(log, "Handler failed.", e, invocation.RequestId);
            await ReportAsync(
                () => api.PostErrorAsync(invocation.RequestId, e, cancellationToken), log, invocation.RequestId, cancellationToken);
            return;
        }

        await ReportAsync(
            () => api.PostResponseAsync(invocation.RequestId, result, cancellationToken), log, invocation.RequestId, cancellationToken);
    }

    /// <summary>A failed post is logged, not thrown: the loop must go on to the next event.</summary>
    private static async Task ReportAsync(
        Func<Task> post, TextWriter log, string? requestId, CancellationToken cancellationToken)
    {
        try
        {
            await post();
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping: nothing left to report to.
        }
        catch (Exception e)
        {
            ErrorLog.Write(log, "Posting to the Runtime API failed.", e, requestId);
        }
    }
}
