using System.Text.Json.Nodes;

namespace AmiReplicator.Ec2Simulator;

/// <summary>
/// An "EC2 AMI State Change" event: emitted once per change, timed at the change (a copy's completion time), even when first
/// noticed later, and delivered to the bus of the account that owns the image (<see cref="AccountId"/>) only.
/// </summary>
public sealed record ImageStateChange(
    string Region, string ImageId, string State, DateTimeOffset Time, string AccountId, string ErrorMessage)
{
    /// <summary>The event as EventBridge delivers it on the default bus of <see cref="Region"/>.</summary>
    public string ToEventBridgeJson()
    {
        var json = new JsonObject
        {
            ["version"] = "0",
            ["id"] = Guid.NewGuid().ToString(),
            ["detail-type"] = "EC2 AMI State Change",
            ["source"] = "aws.ec2",
            ["account"] = AccountId,
            ["time"] = Time.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture),
            ["region"] = Region,
            ["resources"] = new JsonArray($"arn:aws:ec2:{Region}::image/{ImageId}"),
            ["detail"] = new JsonObject
            {
                ["RequestId"] = Guid.NewGuid().ToString(),
                [nameof(ImageId)] = ImageId,
                [nameof(State)] = State,
                [nameof(ErrorMessage)] = ErrorMessage,
            },
        };
        return json.ToJsonString();
    }
}
