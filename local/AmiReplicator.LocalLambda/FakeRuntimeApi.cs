using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading.Channels;

namespace AmiReplicator.LocalLambda;

/// <summary>
/// The Lambda Runtime API over real HTTP on 127.0.0.1: hands out queued events on next and records every post.
/// </summary>
public sealed class FakeRuntimeApi : IAsyncDisposable
{
    public static readonly TimeSpan WaitTimeout = TimeSpan.FromSeconds(5);
    private const string NextPath = "/2018-06-01/runtime/invocation/next";

    private readonly HttpListener _listener;
    private readonly Channel<FakeEvent> _events = Channel.CreateUnbounded<FakeEvent>();
    private readonly Channel<RecordedPost> _posts = Channel.CreateUnbounded<RecordedPost>();
    private readonly Channel<int> _nextCalls = Channel.CreateUnbounded<int>();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _serving;
    private int _nextCallCount;
    private int _failingNextCalls;

    private FakeRuntimeApi(HttpListener listener, int port)
    {
        _listener = listener;
        Address = $"127.0.0.1:{port}";
        _serving = Task.Run(ServeAsync);
    }

    /// <summary>"host:port", as AWS_LAMBDA_RUNTIME_API gives it.</summary>
    public string Address { get; }

    public int NextCallCount => Volatile.Read(ref _nextCallCount);

    /// <summary>How many of the coming next calls get a 500 instead of an event.</summary>
    public int FailingNextCalls
    {
        set => Volatile.Write(ref _failingNextCalls, value);
    }

    public static FakeRuntimeApi Start()
    {
        // A port found free can be taken before we bind it; try a few.
        for (var attempt = 1; ; attempt++)
        {
            var port = FreePort();
            var listener = new HttpListener();
            listener.Prefixes.Add($"http://127.0.0.1:{port}/");
            try
            {
                listener.Start();
                return new FakeRuntimeApi(listener, port);
            }
            catch (HttpListenerException) when (attempt < 5)
            {
                listener.Close();
            }
        }
    }

    public void Enqueue(FakeEvent e) => _events.Writer.TryWrite(e);

    /// <summary>The next post the runtime made, in order; fails the test if none comes in time.</summary>
    public Task<RecordedPost> NextPostAsync() => NextPostAsync(WaitTimeout);

    public Task<RecordedPost> NextPostAsync(TimeSpan timeout) => _posts.Reader.ReadAsync().AsTask().WaitAsync(timeout);

    /// <summary>Waits for the runtime's next call to /runtime/invocation/next (returns its 1-based number).</summary>
    public Task<int> NextCallAsync() => _nextCalls.Reader.ReadAsync().AsTask().WaitAsync(WaitTimeout);

    private async Task ServeAsync()
    {
        while (true)
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

            // next blocks until an event is queued, so each request is served on its own.
            _ = Task.Run(() => HandleAsync(context));
        }
    }

    private async Task HandleAsync(HttpListenerContext context)
    {
        var request = context.Request;
        var response = context.Response;
        var path = request.Url!.AbsolutePath;
        try
        {
            if (request.HttpMethod == "GET" && path == NextPath)
            {
                await ServeNextAsync(response);
            }
            else if (request.HttpMethod == "POST")
            {
                using var reader = new StreamReader(request.InputStream, Encoding.UTF8);
                var body = await reader.ReadToEndAsync();
                var headers = request.Headers.AllKeys
                    .OfType<string>()
                    .ToDictionary(k => k, k => request.Headers[k] ?? "", StringComparer.OrdinalIgnoreCase);
                response.StatusCode = (int)HttpStatusCode.Accepted;
                response.Close();
                _posts.Writer.TryWrite(new RecordedPost(path, headers, body));
            }
            else
            {
                response.StatusCode = (int)HttpStatusCode.NotFound;
                response.Close();
            }
        }
        catch (Exception e) when (e is OperationCanceledException or HttpListenerException or ObjectDisposedException)
        {
            // The server is stopping or the client went away.
            response.Abort();
        }
    }

    private async Task ServeNextAsync(HttpListenerResponse response)
    {
        _nextCalls.Writer.TryWrite(Interlocked.Increment(ref _nextCallCount));
        if (Interlocked.Decrement(ref _failingNextCalls) >= 0)
        {
            response.StatusCode = (int)HttpStatusCode.InternalServerError;
            response.Close();
            return;
        }

        var e = await _events.Reader.ReadAsync(_stop.Token);
        response.Headers["Lambda-Runtime-Aws-Request-Id"] = e.RequestId;
        response.Headers["Lambda-Runtime-Deadline-Ms"] = e.Deadline.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);
        response.Headers["Lambda-Runtime-Invoked-Function-Arn"] = e.FunctionArn;
        if (e.TraceId is not null)
        {
            response.Headers["Lambda-Runtime-Trace-Id"] = e.TraceId;
        }

        response.ContentType = "application/json";
        var body = Encoding.UTF8.GetBytes(e.Payload);
        response.ContentLength64 = body.Length;
        await response.OutputStream.WriteAsync(body, _stop.Token);
        response.Close();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Close();
        await _serving;
        _stop.Dispose();
    }
}
