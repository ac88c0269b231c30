using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace AmiReplicator.Infra.Tests;

/// <summary>
/// The Lambda Runtime API on 127.0.0.1, for a real process: hands out one event on the first
/// <c>next</c>, holds every later <c>next</c> open (as Lambda does while idle), and records the first post.
/// </summary>
internal sealed class FakeRuntimeApi : IAsyncDisposable
{
    private readonly HttpListener _listener;
    private readonly string _requestId;
    private readonly string _payload;
    private readonly TaskCompletionSource<(string Path, string Body)> _post = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _serving;
    private int _nextCalls;

    private FakeRuntimeApi(HttpListener listener, int port, string requestId, string payload)
    {
        _listener = listener;
        _requestId = requestId;
        _payload = payload;
        Address = $"127.0.0.1:{port}";
        _serving = Task.Run(ServeAsync);
    }

    /// <summary>"host:port", as AWS_LAMBDA_RUNTIME_API gives it.</summary>
    public string Address { get; }

    /// <summary>The path and body of the runtime's first post (a response, an invocation error or an init error).</summary>
    public Task<(string Path, string Body)> FirstPost => _post.Task;

    public static FakeRuntimeApi Start(string requestId, string payload)
    {
        // A port found free can be taken before it is bound; try a few.
        for (var attempt = 1; ; attempt++)
        {
            var port = FreePort();
            var listener = new HttpListener();
            listener.Prefixes.Add($"http://127.0.0.1:{port}/");
            try
            {
                listener.Start();
                return new FakeRuntimeApi(listener, port, requestId, payload);
            }
            catch (HttpListenerException) when (attempt < 5)
            {
                listener.Close();
            }
        }
    }

    private async Task ServeAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException)
            {
                return;
            }

            _ = Task.Run(() => HandleAsync(context));
        }
    }

    private async Task HandleAsync(HttpListenerContext context)
    {
        var response = context.Response;
        try
        {
            if (context.Request.HttpMethod == "GET" && context.Request.Url!.AbsolutePath == "/2018-06-01/runtime/invocation/next")
            {
                if (Interlocked.Increment(ref _nextCalls) > 1)
                {
                    await Task.Delay(Timeout.Infinite, _stop.Token);
                }

                response.Headers["Lambda-Runtime-Aws-Request-Id"] = _requestId;
                response.Headers["Lambda-Runtime-Deadline-Ms"] =
                    DateTimeOffset.UtcNow.AddMinutes(1).ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);
                response.Headers["Lambda-Runtime-Invoked-Function-Arn"] = "arn:aws:lambda:us-east-1:123456789012:function:dispatcher";
                response.ContentType = "application/json";
                var body = Encoding.UTF8.GetBytes(_payload);
                response.ContentLength64 = body.Length;
                await response.OutputStream.WriteAsync(body, _stop.Token);
                response.Close();
                return;
            }

            using var reader = new StreamReader(context.Request.InputStream, Encoding.UTF8);
            var posted = await reader.ReadToEndAsync(_stop.Token);
            response.StatusCode = (int)HttpStatusCode.Accepted;
            response.Close();
            _post.TrySetResult((context.Request.Url!.AbsolutePath, posted));
        }
        catch (Exception e) when (e is OperationCanceledException or HttpListenerException or ObjectDisposedException)
        {
            // Stopping, or the runtime went away.
            response.Abort();
        }
    }

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Close();
        await _serving;
        _stop.Dispose();
    }
}
