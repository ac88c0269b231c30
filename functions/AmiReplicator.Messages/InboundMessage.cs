using System.Text.Json;
using System.Text.RegularExpressions;
using AmiReplicator.Contract;
using AmiReplicator.Domain.Jobs;
using AmiReplicator.Domain.Policy;

namespace AmiReplicator.Messages;

/// <summary>What a queue message asks for: a replication, nothing (an event of no interest), or it cannot be read.</summary>
public abstract partial record InboundMessage
{
    public sealed record Replicate(ReplicationRequest Request) : InboundMessage;

    /// <summary>An AMI became available, failed, was disabled or deregistered: a new source to replicate, one of the replicator's own copies ending, or a source withdrawn.</summary>
    public sealed record ImageChanged(ImageEvent Event) : InboundMessage;

    public sealed record Ignore(string Reason) : InboundMessage;

    public sealed record Malformed(string Reason) : InboundMessage;

    /// <summary>Reads a message body: an EC2 AMI State Change event (as EventBridge delivers it) or a <see cref="CopyRequestMessage"/>.</summary>
    public static InboundMessage Parse(string body)
    {
        JsonElement root;
        try
        {
            root = JsonSerializer.Deserialize(body, MessagesJsonContext.Default.JsonElement);
        }
        catch (JsonException e)
        {
            return new Malformed($"body is not JSON: {e.Message}");
        }

        if (root.ValueKind != JsonValueKind.Object)
        {
            return new Malformed("body is not a JSON object");
        }

        if (root.TryGetProperty("Type", out var type) && type.ValueKind == JsonValueKind.String && root.TryGetProperty("TopicArn", out _))
        {
            return new Malformed($"body is an SNS '{type.GetString()}' envelope, not a copy request or an EventBridge event: "
                + "subscribe the queue with raw message delivery, or target the queue from EventBridge directly");
        }

        try
        {
            return root.TryGetProperty("detail-type", out _)
                ? FromEvent(root.Deserialize(MessagesJsonContext.Default.AmiStateChangeEvent) ?? throw new JsonException("the event is null"))
                : FromRequest(root.Deserialize(MessagesJsonContext.Default.CopyRequestMessage) ?? throw new JsonException("the request is null"));
        }
        catch (Exception e) when (e is JsonException or NotSupportedException or InvalidOperationException or NullReferenceException or ArgumentException)
        {
            // Whatever the body holds, reading it never fails the batch: the message is malformed, with the reason.
            return new Malformed($"body does not have the expected shape: {e.Message}");
        }
    }

    private static InboundMessage FromEvent(AmiStateChangeEvent e)
    {
        if (e.DetailTypeName != AmiEventPatterns.DetailType || e.Source != AmiEventPatterns.Source)
        {
            return new Malformed($"event '{e.DetailTypeName}' from '{e.Source}' is not an EC2 AMI State Change event");
        }

        if (e.Detail?.ImageId is not { } imageId || !ImageIdPattern().IsMatch(imageId))
        {
            return new Malformed("EC2 AMI State Change event without a valid detail.ImageId");
        }

        if (e.Resources?.Any(r => r is null) == true)
        {
            return new Malformed($"EC2 AMI State Change event for {imageId}: resources holds null where EventBridge puts the image's ARN");
        }

        // The image's ARN names its region, and survives forwarding between buses; the envelope's region is the fallback.
        var region = e.Resources?.Select(RegionOfImageArn).FirstOrDefault(r => r is not null) ?? e.Region;
        if (region is null || !AwsRegions.Known.Contains(region))
        {
            return new Malformed($"EC2 AMI State Change event for {imageId} has no known region ('{e.Region}')");
        }

        return e.Detail.State is { } state && ImageEvent.States.Contains(state)
            ? new ImageChanged(new ImageEvent(region, imageId, state, e.Id ?? "") { Account = e.Account })
            : new Ignore($"{imageId} in {region} is now '{e.Detail.State}'; only {string.Join(", ", ImageEvent.States.Order(StringComparer.Ordinal).Select(s => $"'{s}'"))} concern the replicator");
    }

    private static InboundMessage FromRequest(CopyRequestMessage m)
    {
        if (m.SourceImageId is null || !ImageIdPattern().IsMatch(m.SourceImageId))
        {
            return new Malformed($"copy request: sourceImageId '{m.SourceImageId}' is not an AMI id (ami- and 8 or 17 hex digits)");
        }

        if (m.SourceRegion is null || !AwsRegions.Known.Contains(m.SourceRegion))
        {
            return new Malformed($"copy request: sourceRegion '{m.SourceRegion}' is not a known AWS region");
        }

        if (string.IsNullOrWhiteSpace(m.RequestedBy))
        {
            return new Malformed("copy request: requestedBy is required (who asked for the copy)");
        }

        foreach (var destination in m.Destinations ?? [])
        {
            if (destination is null || !AwsRegions.Known.Contains(destination))
            {
                return new Malformed($"copy request: destination '{destination ?? "null"}' is not a known AWS region");
            }
        }

        var origin = m.Origin switch
        {
            null => RequestOrigin.Manual,
            CopyRequestMessage.SweepOrigin => RequestOrigin.Sweep,
            _ => (RequestOrigin?)null,
        };
        return origin is { } known
            ? new Replicate(new ReplicationRequest(m.SourceRegion, m.SourceImageId, m.Destinations, m.RequestedBy, m.Reason, known))
            : new Malformed($"copy request: origin '{m.Origin}' is not known (leave it out when asking by hand)");
    }

    private static string? RegionOfImageArn(string arn) =>
        arn.Split(':') is ["arn", _, "ec2", var region, _, var resource] && resource.StartsWith("image/", StringComparison.Ordinal) ? region : null;

    /// <summary>Whether <paramref name="text"/> is an AMI id as EC2 gives them (ami- and 8 or 17 hex digits).</summary>
    public static bool IsImageId(string text) => ImageIdPattern().IsMatch(text);

    [GeneratedRegex("^ami-([0-9a-f]{8}|[0-9a-f]{17})$")]
    private static partial Regex ImageIdPattern();
}
