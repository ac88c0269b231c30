using System.Text;
using System.Text.Json;

namespace AmiReplicator.Contract;

/// <summary>
/// The EC2 events the replicator listens to and the EventBridge patterns of the stack's rules. The stack builds its rules from
/// these, the functions accept the same source and detail-type, and the local run routes events with the same patterns.
/// </summary>
public sealed class AmiEventPatterns
{
    /// <summary>The <c>source</c> of EC2's events.</summary>
    public const string Source = "aws.ec2";

    /// <summary>The <c>detail-type</c> of an AMI's state change.</summary>
    public const string DetailType = "EC2 AMI State Change";

    /// <summary>
    /// An AMI of a source region became available (the trigger of a replication; also a source enabled again), or was disabled or
    /// deregistered (a build withdrawn, which its copies follow): the rule to the request queue.
    /// </summary>
    public static readonly AmiEventPatterns SourceChanged = new(["available", "disabled", "deregistered"]);

    /// <summary>A copy in a destination region became available or failed: the poller finishes it at once.</summary>
    public static readonly AmiEventPatterns CopyFinished = new(["available", "failed"]);

    /// <summary>What a region's events are forwarded for: a source's changes, a destination's copies ending, or both.</summary>
    public static AmiEventPatterns Forwarded(bool isSource, bool isDestination) => new(
        [.. (isSource ? SourceChanged.States : []).Union(isDestination ? CopyFinished.States : [], StringComparer.Ordinal)]);

    private AmiEventPatterns(IReadOnlyList<string> states) => States = states;

    /// <summary>The <c>detail.State</c> values matched.</summary>
    public IReadOnlyList<string> States { get; }

    /// <summary>
    /// The start of the ARN of every image in <paramref name="region"/>. The rules match the region there (in <c>resources</c>),
    /// not in the envelope: the ARN always names the image's own region, also for events forwarded from another region's bus.
    /// </summary>
    public static string ImageArnPrefix(string partition, string region) => $"arn:{partition}:ec2:{region}::image/";

    /// <summary>The pattern as EventBridge JSON, for images in <paramref name="regions"/> (null: in any region).</summary>
    public string ToJson(IEnumerable<string>? regions = null, string partition = "aws")
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            WriteStrings(json, "source", [Source]);
            WriteStrings(json, "detail-type", [DetailType]);
            if (regions is not null)
            {
                json.WriteStartArray("resources");
                foreach (var region in regions)
                {
                    json.WriteStartObject();
                    json.WriteString("prefix", ImageArnPrefix(partition, region));
                    json.WriteEndObject();
                }

                json.WriteEndArray();
            }

            json.WriteStartObject("detail");
            WriteStrings(json, "State", States);
            json.WriteEndObject();
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static void WriteStrings(Utf8JsonWriter json, string name, IEnumerable<string> values)
    {
        json.WriteStartArray(name);
        foreach (var value in values)
        {
            json.WriteStringValue(value);
        }

        json.WriteEndArray();
    }
}
