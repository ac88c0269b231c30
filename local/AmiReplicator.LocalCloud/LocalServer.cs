using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace AmiReplicator.LocalCloud;

/// <summary>
/// A server the tests and the local run need: either one already running (its URL given in an
/// environment variable, as .ci/run does) or a child process started here and stopped on dispose.
/// </summary>
public sealed class LocalServer : IAsyncDisposable
{
    private readonly Process? _process;

    private LocalServer(Uri url, Process? process)
    {
        Url = url;
        _process = process;
    }

    public Uri Url { get; }

    /// <summary>Uses the URL in <paramref name="urlVariable"/> when set, else starts the server.</summary>
    public static async Task<LocalServer> UseOrStartAsync(
        string urlVariable, Func<int, ProcessStartInfo> startInfo, string name, TimeSpan startTimeout)
    {
        var given = Environment.GetEnvironmentVariable(urlVariable);
        if (!string.IsNullOrWhiteSpace(given))
        {
            return new LocalServer(new Uri(given), process: null);
        }

        var port = FreePort();
        var info = startInfo(port);
        info.RedirectStandardOutput = true;
        info.RedirectStandardError = true;
        info.UseShellExecute = false;
        var process = Process.Start(info)
            ?? throw new InvalidOperationException($"{name}: could not start '{info.FileName}'.");
        var output = new System.Text.StringBuilder();
        process.OutputDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.ErrorDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        var server = new LocalServer(new Uri($"http://127.0.0.1:{port}"), process);
        var deadline = DateTime.UtcNow + startTimeout;
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited)
            {
                break;
            }

            if (await IsListeningAsync(port))
            {
                return server;
            }

            await Task.Delay(100);
        }

        await server.DisposeAsync();
        string log;
        lock (output) { log = output.ToString(); }
        throw new InvalidOperationException(
            $"{name} did not start listening on port {port} within {startTimeout.TotalSeconds:0}s. Output:\n{log}");
    }

    /// <summary>A port that is free now; the server binds it right after.</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static async Task<bool> IsListeningAsync(int port)
    {
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync(IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is null)
        {
            return;
        }

        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }

        _process.Dispose();
    }
}
