using System.Text.Json;
using AmiReplicator.LocalLambda;
using Microsoft.Extensions.Time.Testing;

namespace AmiReplicator.LambdaHost.Tests;

public class LambdaRuntimeTests
{
    private const string InvocationPath = "/2018-06-01/runtime/invocation/";

    private static DateTimeOffset InAMinute => DateTimeOffset.UtcNow.AddMinutes(1);

    private static Task<string> Echo(LambdaInvocation invocation, CancellationToken cancellationToken) =>
        Task.FromResult($"echo:{invocation.Payload}");

    [Fact]
    public async Task Handler_result_is_posted_to_the_response_of_its_request()
    {
        await using var api = FakeRuntimeApi.Start();
        api.Enqueue(new FakeEvent("req-1", """{"n":1}""", InAMinute));
        await using var runtime = RunningRuntime.Start(api, Echo);

        var post = await api.NextPostAsync();

        Assert.Equal(InvocationPath + "req-1/response", post.Path);
        Assert.Equal("""echo:{"n":1}""", post.Body);
    }

    [Fact]
    public async Task Handler_exception_is_posted_as_an_error_and_the_next_event_is_served()
    {
        await using var api = FakeRuntimeApi.Start();
        api.Enqueue(new FakeEvent("req-1", "fail", InAMinute));
        api.Enqueue(new FakeEvent("req-2", "ok", InAMinute));
        await using var runtime = RunningRuntime.Start(api, (invocation, ct) =>
            invocation.Payload == "fail" ? throw new InvalidOperationException("boom") : Echo(invocation, ct));

        var error = await api.NextPostAsync();
        var next = await api.NextPostAsync();

        Assert.Equal(InvocationPath + "req-1/error", error.Path);
        Assert.Equal("System.InvalidOperationException", error.Headers["Lambda-Runtime-Function-Error-Type"]);
        using var body = JsonDocument.Parse(error.Body);
        Assert.Equal("System.InvalidOperationException", body.RootElement.GetProperty("errorType").GetString());
        Assert.Equal("boom", body.RootElement.GetProperty("errorMessage").GetString());
        Assert.NotEmpty(body.RootElement.GetProperty("stackTrace").EnumerateArray());
        Assert.Equal(InvocationPath + "req-2/response", next.Path);
        Assert.Equal("echo:ok", next.Body);
    }

    [Fact]
    public async Task Handler_exception_is_logged_as_one_json_line()
    {
        await using var api = FakeRuntimeApi.Start();
        api.Enqueue(new FakeEvent("req-1", "{}", InAMinute));
        await using var runtime = RunningRuntime.Start(
            api, TimeProvider.System, (_, _) => throw new InvalidOperationException("boom"));

        await api.NextPostAsync();

        var line = Assert.Single(runtime.Log.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries));
        using var entry = JsonDocument.Parse(line);
        Assert.Equal("ERROR", entry.RootElement.GetProperty("level").GetString());
        Assert.Equal("req-1", entry.RootElement.GetProperty("requestId").GetString());
        Assert.False(string.IsNullOrEmpty(entry.RootElement.GetProperty("message").GetString()));
        Assert.Contains("boom", entry.RootElement.GetProperty("exception").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Init_exception_is_posted_to_init_error_and_RunAsync_returns_1_without_calling_next()
    {
        await using var api = FakeRuntimeApi.Start();
        api.Enqueue(new FakeEvent("req-1", "{}", InAMinute));
        await using var runtime = RunningRuntime.Start(
            api, _ => throw new KeyNotFoundException("no TABLE_NAME"));

        var exitCode = await runtime.Exit.WaitAsync(FakeRuntimeApi.WaitTimeout);
        var post = await api.NextPostAsync();

        Assert.Equal(1, exitCode);
        Assert.Equal("/2018-06-01/runtime/init/error", post.Path);
        Assert.Equal("System.Collections.Generic.KeyNotFoundException", post.Headers["Lambda-Runtime-Function-Error-Type"]);
        using var body = JsonDocument.Parse(post.Body);
        Assert.Equal("System.Collections.Generic.KeyNotFoundException", body.RootElement.GetProperty("errorType").GetString());
        Assert.Equal("no TABLE_NAME", body.RootElement.GetProperty("errorMessage").GetString());
        Assert.Equal(0, api.NextCallCount);
    }

    [Fact]
    public async Task Handler_sees_the_deadline_request_id_function_arn_and_trace_id()
    {
        var deadline = DateTimeOffset.FromUnixTimeMilliseconds(InAMinute.ToUnixTimeMilliseconds());
        const string arn = "arn:aws:lambda:eu-west-1:123456789012:function:replicate:live";
        const string traceId = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1";
        await using var api = FakeRuntimeApi.Start();
        api.Enqueue(new FakeEvent("req-7", """{"a":"b"}""", deadline, arn, traceId));
        var seen = new TaskCompletionSource<(LambdaInvocation Invocation, TimeSpan Remaining, string? TraceVariable)>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var runtime = RunningRuntime.Start(api, (invocation, _) =>
        {
            seen.SetResult((
                invocation,
                invocation.RemainingTime(TimeProvider.System),
                Environment.GetEnvironmentVariable("_X_AMZN_TRACE_ID")));
            return Task.FromResult("{}");
        });

        var (invocation, remaining, traceVariable) = await seen.Task.WaitAsync(FakeRuntimeApi.WaitTimeout);

        Assert.Equal("req-7", invocation.RequestId);
        Assert.Equal(deadline, invocation.Deadline);
        Assert.InRange(remaining, TimeSpan.FromSeconds(50), TimeSpan.FromSeconds(60));
        Assert.Equal(arn, invocation.InvokedFunctionArn);
        Assert.Equal(traceId, invocation.TraceId);
        Assert.Equal(traceId, traceVariable);
        Assert.Equal("""{"a":"b"}""", invocation.Payload);
    }

    [Fact]
    public async Task Trace_id_variable_is_cleared_for_an_invocation_without_one()
    {
        await using var api = FakeRuntimeApi.Start();
        api.Enqueue(new FakeEvent("req-1", "{}", InAMinute, TraceId: "Root=1-5759e988-bd862e3fe1be46a994272793"));
        api.Enqueue(new FakeEvent("req-2", "{}", InAMinute, TraceId: null));
        var seen = new List<string?>();
        await using var runtime = RunningRuntime.Start(api, (_, _) =>
        {
            seen.Add(Environment.GetEnvironmentVariable("_X_AMZN_TRACE_ID"));
            return Task.FromResult("{}");
        });

        await api.NextPostAsync();
        await api.NextPostAsync();

        Assert.Equal(["Root=1-5759e988-bd862e3fe1be46a994272793", null], seen);
    }

    [Theory]
    [InlineData(10_000, 9_500)] // plenty of time: cancelled 500 ms before the deadline
    [InlineData(300, 300)] // less than the margin: cancelled at the deadline
    public async Task Handler_token_is_cancelled_shortly_before_the_deadline(int remainingMs, int cancelledAfterMs)
    {
        var clock = new FakeTimeProvider(DateTimeOffset.FromUnixTimeMilliseconds(1_767_268_800_000));
        await using var api = FakeRuntimeApi.Start();
        api.Enqueue(new FakeEvent("req-1", "{}", clock.GetUtcNow().AddMilliseconds(remainingMs)));
        var started = new TaskCompletionSource<CancellationToken>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var runtime = RunningRuntime.Start(api, clock, async (_, ct) =>
        {
            started.SetResult(ct);
            await Task.Delay(Timeout.Infinite, ct).ContinueWith(_ => { }, TaskScheduler.Default);
            return "stopped cleanly";
        });
        var token = await started.Task.WaitAsync(FakeRuntimeApi.WaitTimeout);

        clock.Advance(TimeSpan.FromMilliseconds(cancelledAfterMs - 1));
        Assert.False(token.IsCancellationRequested);
        clock.Advance(TimeSpan.FromMilliseconds(1));
        Assert.True(token.IsCancellationRequested);

        var post = await api.NextPostAsync();
        Assert.Equal(InvocationPath + "req-1/response", post.Path);
        Assert.Equal("stopped cleanly", post.Body);
    }

    [Fact]
    public async Task Cancelling_the_token_stops_the_loop_while_it_waits_for_an_event()
    {
        await using var api = FakeRuntimeApi.Start();
        await using var runtime = RunningRuntime.Start(api, Echo);
        await api.NextCallAsync();

        Assert.Equal(0, await runtime.StopAsync());
    }

    [Fact]
    public async Task Cancelling_the_token_cancels_the_running_handler_and_stops_the_loop()
    {
        await using var api = FakeRuntimeApi.Start();
        api.Enqueue(new FakeEvent("req-1", "{}", InAMinute));
        var started = new TaskCompletionSource<CancellationToken>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var runtime = RunningRuntime.Start(api, async (_, ct) =>
        {
            started.SetResult(ct);
            await Task.Delay(Timeout.Infinite, ct);
            return "{}";
        });
        var token = await started.Task.WaitAsync(FakeRuntimeApi.WaitTimeout);

        Assert.Equal(0, await runtime.StopAsync());
        Assert.True(token.IsCancellationRequested);
        Assert.Equal(1, api.NextCallCount);
    }

    [Fact]
    public async Task Failed_next_call_is_retried_after_a_backoff_not_at_once()
    {
        var clock = new FakeTimeProvider();
        await using var api = FakeRuntimeApi.Start();
        api.FailingNextCalls = 1;
        api.Enqueue(new FakeEvent("req-1", "{}", clock.GetUtcNow().AddMinutes(1)));
        await using var runtime = RunningRuntime.Start(api, clock, Echo);
        await api.NextCallAsync();

        // The fake clock stands still, so a loop that waits does not call again; one that spins would by now.
        await Task.Delay(200);
        Assert.Equal(1, api.NextCallCount);
        clock.Advance(LambdaRuntime.FirstBackoff);

        var post = await api.NextPostAsync();
        Assert.Equal(InvocationPath + "req-1/response", post.Path);
        Assert.Contains("\"level\":\"ERROR\"", runtime.Log.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cancelling_the_token_stops_the_loop_during_the_backoff()
    {
        await using var api = FakeRuntimeApi.Start();
        api.FailingNextCalls = int.MaxValue;
        // The fake clock never advances: only cancellation can end the backoff.
        await using var runtime = RunningRuntime.Start(api, new FakeTimeProvider(), Echo);
        await api.NextCallAsync();

        Assert.Equal(0, await runtime.StopAsync());
        Assert.Equal(1, api.NextCallCount);
    }

    [Fact]
    public async Task RunAsync_talks_to_the_runtime_api_named_by_AWS_LAMBDA_RUNTIME_API()
    {
        await using var api = FakeRuntimeApi.Start();
        api.Enqueue(new FakeEvent("req-1", "env", InAMinute));
        using var cancellation = new CancellationTokenSource();
        var previous = Environment.GetEnvironmentVariable("AWS_LAMBDA_RUNTIME_API");
        Environment.SetEnvironmentVariable("AWS_LAMBDA_RUNTIME_API", api.Address);
        try
        {
            var run = Task.Run(() => LambdaRuntime.RunAsync(_ => Task.FromResult<LambdaHandler>(Echo), cancellation.Token));

            var post = await api.NextPostAsync();
            await cancellation.CancelAsync();

            Assert.Equal(InvocationPath + "req-1/response", post.Path);
            Assert.Equal("echo:env", post.Body);
            Assert.Equal(0, await run.WaitAsync(FakeRuntimeApi.WaitTimeout));
        }
        finally
        {
            Environment.SetEnvironmentVariable("AWS_LAMBDA_RUNTIME_API", previous);
        }
    }

    [Fact]
    public async Task RunAsync_without_AWS_LAMBDA_RUNTIME_API_returns_1_without_running_init()
    {
        var previous = Environment.GetEnvironmentVariable("AWS_LAMBDA_RUNTIME_API");
        Environment.SetEnvironmentVariable("AWS_LAMBDA_RUNTIME_API", null);
        try
        {
            var initRan = false;

            var exitCode = await LambdaRuntime.RunAsync(_ =>
            {
                initRan = true;
                return Task.FromResult<LambdaHandler>(Echo);
            });

            Assert.Equal(1, exitCode);
            Assert.False(initRan);
        }
        finally
        {
            Environment.SetEnvironmentVariable("AWS_LAMBDA_RUNTIME_API", previous);
        }
    }
}
