using System.Diagnostics;
using System.Text;

namespace AmiReplicator.LocalLambda;

/// <summary>
/// A published Lambda <c>bootstrap</c> running as its own process against a <see cref="FakeRuntimeApi"/>, as Lambda runs it:
/// the invocations are handed out on the Runtime API and the answers come back there. The process keeps running between
/// invocations, waiting for the next one, until disposed.
/// </summary>
public sealed class BootstrapProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();
    private long _startedAt;
    private int _invocations;

    private BootstrapProcess(Process process, FakeRuntimeApi api)
    {
        _process = process;
        Api = api;
    }

    public FakeRuntimeApi Api { get; }

    public bool HasExited => _process.HasExited;

    /// <summary>Time since the process was started (taken just before the operating system was asked to start it).</summary>
    public TimeSpan SinceStart => Stopwatch.GetElapsedTime(_startedAt);

    /// <summary>What the function wrote to stdout so far (its JSON log lines).</summary>
    public string StandardOutput
    {
        get
        {
            lock (_stdout)
            {
                return _stdout.ToString();
            }
        }
    }

    public string StandardError
    {
        get
        {
            lock (_stderr)
            {
                return _stderr.ToString();
            }
        }
    }

    /// <summary>
    /// Starts <paramref name="bootstrap"/> with only <paramref name="environment"/> and AWS_LAMBDA_RUNTIME_API set (plus PATH),
    /// through <paramref name="emulator"/> (e.g. qemu-aarch64-static) when the binary is for another architecture.
    /// </summary>
    public static BootstrapProcess Start(string bootstrap, IReadOnlyDictionary<string, string> environment, string? emulator = null)
    {
        var api = FakeRuntimeApi.Start();
        var start = new ProcessStartInfo(emulator ?? bootstrap)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetDirectoryName(bootstrap)!,
        };
        if (emulator is not null)
        {
            start.ArgumentList.Add(bootstrap);
        }

        // Lambda gives a function its own environment, not the one of whoever started it.
        var path = start.Environment["PATH"];
        start.Environment.Clear();
        start.Environment["PATH"] = path;
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        start.Environment["AWS_LAMBDA_RUNTIME_API"] = api.Address;
        var process = new Process { StartInfo = start };
        var running = new BootstrapProcess(process, api);
        process.OutputDataReceived += (_, e) => Append(running._stdout, e.Data);
        process.ErrorDataReceived += (_, e) => Append(running._stderr, e.Data);
        running._startedAt = Stopwatch.GetTimestamp();
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return running;
    }

    /// <summary>Hands the function one event and answers its response body; fails with the function's output otherwise.</summary>
    public async Task<string> InvokeAsync(string payload, TimeSpan timeout)
    {
        var requestId = $"00000000-0000-4000-8000-{Interlocked.Increment(ref _invocations):D12}";
        Api.Enqueue(new FakeEvent(requestId, payload, DateTimeOffset.UtcNow.Add(timeout)));
        RecordedPost post;
        try
        {
            post = await Api.NextPostAsync(timeout);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"The function answered nothing within {timeout} (exited: {HasExited}). Its output:\n{Output()}");
        }

        return post.Path == $"/2018-06-01/runtime/invocation/{requestId}/response"
            ? post.Body
            : throw new InvalidOperationException($"The function posted {post.Path}: {post.Body}\nIts output:\n{Output()}");
    }

    private string Output() => $"{StandardOutput}\n--- stderr ---\n{StandardError}";

    private static void Append(StringBuilder output, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (output)
        {
            output.AppendLine(line);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        await _process.WaitForExitAsync();
        _process.Dispose();
        await Api.DisposeAsync();
    }
}
