using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Amazon.Runtime;

namespace AmiReplicator.Aws.Signing;

/// <summary>
/// The AWS JSON 1.1 protocol (a POST naming the operation in <c>X-Amz-Target</c>, JSON both ways) signed with Signature Version 4,
/// over AWSSDK.Core's credentials, for the few calls of services whose SDK package is not available here (Organizations,
/// EventBridge). Swap it for the service's package (AWSSDK.Organizations' <c>ListChildrenAsync</c>, AWSSDK.EventBridge's
/// <c>PutEventsAsync</c>, ...) where that package can be had: the callers keep their shape, only the request and answer types change.
/// </summary>
/// <param name="service">The signing name (e.g. "organizations", "events").</param>
/// <param name="hostPrefix">The endpoint's first label, before the region (e.g. "organizations", "events").</param>
/// <param name="targetPrefix">The operation's prefix in X-Amz-Target (e.g. "AWSOrganizationsV20161128", "AWSEvents").</param>
internal sealed class SignedJsonClient(string service, string hostPrefix, string targetPrefix, Uri? endpoint, AWSCredentials? credentials, TimeProvider clock) : IDisposable
{
    private readonly HttpClient _http = new();

    /// <summary>Sends the operation with its request in the region; answers the JSON the service returns, or throws with AWS's code.</summary>
    public async Task<JsonNode> SendAsync(string region, string operation, JsonObject request, CancellationToken cancellationToken)
    {
        var target = endpoint ?? new Uri($"https://{hostPrefix}.{region}.amazonaws.com/");
        var body = request.ToJsonString();
        using var message = new HttpRequestMessage(HttpMethod.Post, target) { Content = new StringContent(body, Encoding.UTF8) };
        message.Content.Headers.ContentType = new MediaTypeHeaderValue("application/x-amz-json-1.1");
        message.Headers.TryAddWithoutValidation("X-Amz-Target", $"{targetPrefix}.{operation}");
        await SigV4.SignAsync(message, body, service, region, credentials, clock.GetUtcNow());

        using var response = await _http.SendAsync(message, cancellationToken);
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        var answer = string.IsNullOrWhiteSpace(text) ? new JsonObject() : ParseOrText(text);
        if (!response.IsSuccessStatusCode)
        {
            // "__type" is either the bare code or "namespace#Code"; the message's key is "message" or "Message" by service.
            var type = (answer as JsonObject)?["__type"]?.GetValue<string>() ?? response.StatusCode.ToString();
            var code = type[(type.LastIndexOf('#') + 1)..];
            var reason = (answer as JsonObject)?["message"]?.GetValue<string>() ?? (answer as JsonObject)?["Message"]?.GetValue<string>() ?? text;
            throw new AmazonServiceException(reason, null, ErrorType.Unknown, code, null, response.StatusCode);
        }

        return answer;
    }

    private static JsonNode ParseOrText(string text)
    {
        try
        {
            return JsonNode.Parse(text) ?? new JsonObject();
        }
        catch (JsonException)
        {
            return JsonValue.Create(text);
        }
    }

    public void Dispose() => _http.Dispose();
}
