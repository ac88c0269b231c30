using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;

namespace AmiReplicator.LocalCloud;

/// <summary>
/// An event bus on moto's EventBridge, spoken to in its JSON protocol (no AWSSDK.EventBridge package is served here):
/// a rule with the stack's pattern targets the request queue, and events put on the bus reach the queue only if they match.
/// </summary>
public sealed class LocalEventBus(HttpClient http, Uri motoUrl, string region, string busName)
{
    public static async Task<LocalEventBus> CreateAsync(HttpClient http, Uri motoUrl, string region, string busName)
    {
        var bus = new LocalEventBus(http, motoUrl, region, busName);
        await bus.CallAsync("CreateEventBus", new JsonObject { ["Name"] = busName });
        return bus;
    }

    /// <summary>A rule that sends every event matching <paramref name="eventPattern"/> to the queue, as the stack's rule does.</summary>
    public async Task RouteToQueueAsync(string ruleName, string eventPattern, string queueArn)
    {
        await CallAsync("PutRule", new JsonObject
        {
            ["Name"] = ruleName,
            ["EventBusName"] = busName,
            ["EventPattern"] = eventPattern,
            ["State"] = "ENABLED",
        });
        await CallAsync("PutTargets", new JsonObject
        {
            ["Rule"] = ruleName,
            ["EventBusName"] = busName,
            ["Targets"] = new JsonArray(new JsonObject { ["Id"] = "request-queue", ["Arn"] = queueArn }),
        });
    }

    /// <summary>Puts an event given as EventBridge's envelope JSON (source, detail-type, resources, detail) on the bus.</summary>
    public async Task PutAsync(string eventJson)
    {
        var envelope = JsonNode.Parse(eventJson) as JsonObject ?? throw new ArgumentException("An EventBridge envelope is a JSON object.", nameof(eventJson));
        var answer = await CallAsync("PutEvents", new JsonObject
        {
            ["Entries"] = new JsonArray(new JsonObject
            {
                ["EventBusName"] = busName,
                ["Source"] = envelope["source"]?.GetValue<string>(),
                ["DetailType"] = envelope["detail-type"]?.GetValue<string>(),
                ["Resources"] = envelope["resources"]?.DeepClone() ?? new JsonArray(),
                ["Detail"] = envelope["detail"]?.ToJsonString() ?? "{}",
            }),
        });
        if (answer["FailedEntryCount"]?.GetValue<int>() is > 0)
        {
            throw new InvalidOperationException($"PutEvents failed: {answer.ToJsonString()}");
        }
    }

    private async Task<JsonNode> CallAsync(string action, JsonObject body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, motoUrl)
        {
            Content = new StringContent(body.ToJsonString(), Encoding.UTF8),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/x-amz-json-1.1");
        request.Headers.Add("X-Amz-Target", $"AWSEvents.{action}");
        // moto takes the region from the credential scope; it does not check the signature.
        request.Headers.TryAddWithoutValidation("Authorization",
            $"AWS4-HMAC-SHA256 Credential=test/20260101/{region}/events/aws4_request, SignedHeaders=host, Signature=0");
        using var response = await http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"EventBridge {action} answered {(int)response.StatusCode}: {text}");
        }

        // moto answers some actions with an empty body; a JSON null is as good as an empty answer here.
        return (string.IsNullOrWhiteSpace(text) ? null : JsonNode.Parse(text)) ?? new JsonObject();
    }
}
