using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace AmiReplicator.LambdaHost;

/// <summary>The HTTP calls of the Lambda Runtime API (version 2018-06-01).</summary>
internal sealed class RuntimeApiClient
{
    private const string ErrorTypeHeader = "Lambda-Runtime-Function-Error-Type";
    private const string JsonMediaType = "application/json";

    private readonly HttpClient _http;
    private readonly Uri _base;

    /// <param name="runtimeApi">"host:port", as in AWS_LAMBDA_RUNTIME_API.</param>
    /// <param name="http">Must have an infinite Timeout: the next call waits as long as no event arrives.</param>
    public RuntimeApiClient(string runtimeApi, HttpClient http)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(runtimeApi);
        _http = http;
        _base = new Uri($"http://{runtimeApi}/2018-06-01/");
    }

    /// <summary>Waits for the next event.</summary>
    public async Task<LambdaInvocation> NextAsync(CancellationToken cancellationToken)
    {
        using var response = await _http.GetAsync(new Uri(_base, "runtime/invocation/next"), cancellationToken);
        response.EnsureSuccessStatusCode();

        var requestId = Header(response, "Lambda-Runtime-Aws-Request-Id")
            ?? throw new InvalidDataException("The next event has no Lambda-Runtime-Aws-Request-Id header.");
        if (!long.TryParse(
                Header(response, "Lambda-Runtime-Deadline-Ms"), NumberStyles.None, CultureInfo.InvariantCulture, out var deadlineMs))
        {
            throw new InvalidDataException($"Event {requestId} has no valid Lambda-Runtime-Deadline-Ms header.");
        }

        return new LambdaInvocation(
            requestId,
            DateTimeOffset.FromUnixTimeMilliseconds(deadlineMs),
            Header(response, "Lambda-Runtime-Invoked-Function-Arn") ?? "",
            Header(response, "Lambda-Runtime-Trace-Id"),
            await response.Content.ReadAsStringAsync(cancellationToken));
    }

    public async Task PostResponseAsync(string requestId, string body, CancellationToken cancellationToken)
    {
        using var content = new StringContent(body, Encoding.UTF8, JsonMediaType);
        using var response = await _http.PostAsync(InvocationUri(requestId, "response"), content, cancellationToken);
        response.EnsureSuccessStatusCode();
    }

    public Task PostErrorAsync(string requestId, Exception error, CancellationToken cancellationToken) =>
        PostErrorAsync(InvocationUri(requestId, "error"), error, cancellationToken);

    /// <summary>Reports a failure before the first event; Lambda then fails the invocation that started us.</summary>
    public Task PostInitErrorAsync(Exception error, CancellationToken cancellationToken) =>
        PostErrorAsync(new Uri(_base, "runtime/init/error"), error, cancellationToken);

    private async Task PostErrorAsync(Uri uri, Exception error, CancellationToken cancellationToken)
    {
        var errorType = error.GetType().FullName ?? error.GetType().Name;
        using var request = new HttpRequestMessage(HttpMethod.Post, uri) { Content = ErrorBody(errorType, error) };
        request.Headers.Add(ErrorTypeHeader, errorType);
        using var response = await _http.SendAsync(request, cancellationToken);
        response.EnsureSuccessStatusCode();
    }

    private static ByteArrayContent ErrorBody(string errorType, Exception error)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("errorMessage", error.Message);
            json.WriteString("errorType", errorType);
            json.WriteStartArray("stackTrace");
            foreach (var line in (error.StackTrace ?? "").Split(
                         '\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                json.WriteStringValue(line);
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        var content = new ByteArrayContent(buffer.ToArray());
        content.Headers.ContentType = new MediaTypeHeaderValue(JsonMediaType);
        return content;
    }

    private Uri InvocationUri(string requestId, string action) =>
        new(_base, $"runtime/invocation/{Uri.EscapeDataString(requestId)}/{action}");

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? values.FirstOrDefault() : null;
}
