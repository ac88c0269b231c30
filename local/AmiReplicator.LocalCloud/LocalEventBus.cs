using System.Text.Json.Nodes;
using AmiReplicator.Aws.Signing;
using AmiReplicator.Domain.Jobs;

namespace AmiReplicator.LocalCloud;

/// <summary>
/// moto's EventBridge, as an account's pipeline would use it: a rule on the default bus sending one source AMI's distribution
/// completed events to an SQS queue (the rule names the AMI, so tests sharing moto's one default bus keep to their own events).
/// </summary>
public static class LocalEventBus
{
    public static async Task RouteCompletedEventsAsync(LocalCloudServers cloud, string sourceImageId, string queueArn, CancellationToken cancellationToken)
    {
        using var events = new SignedJsonClient("events", "events", "AWSEvents", cloud.MotoUrl, LocalReplication.Credentials, TimeProvider.System);
        var rule = $"completed-{sourceImageId}";
        var pattern = new JsonObject
        {
            ["source"] = new JsonArray(DistributionCompleted.Source),
            ["detail-type"] = new JsonArray(DistributionCompleted.DetailType),
            ["detail"] = new JsonObject { ["sourceImageId"] = new JsonArray(sourceImageId) },
        };
        await events.SendAsync(LocalReplication.Home, "PutRule",
            new JsonObject { ["Name"] = rule, ["EventPattern"] = pattern.ToJsonString(), ["State"] = "ENABLED" }, cancellationToken);
        await events.SendAsync(LocalReplication.Home, "PutTargets",
            new JsonObject { ["Rule"] = rule, ["Targets"] = new JsonArray(new JsonObject { ["Id"] = "queue", ["Arn"] = queueArn }) }, cancellationToken);
    }
}
