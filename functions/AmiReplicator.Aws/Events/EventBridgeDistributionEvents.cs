using System.Globalization;
using System.Text.Json.Nodes;
using Amazon.Runtime;
using AmiReplicator.Aws.Signing;
using AmiReplicator.Domain.Jobs;

namespace AmiReplicator.Aws.Events;

/// <summary>
/// The distribution completed event on the home account's default event bus: EventBridge's PutEvents over the signed JSON client
/// (AWSSDK.EventBridge is not available here; its <c>PutEventsAsync</c> takes the same entry).
/// </summary>
internal sealed class EventBridgeDistributionEvents(string homeRegion, string partition, Uri? endpoint, AWSCredentials? credentials, TimeProvider clock)
    : IDistributionEvents, IDisposable
{
    /// <summary>Accounts with problems listed in one event; past that the event says how many were left out (an entry is at most 256 KB).</summary>
    public const int MaxAccountsListed = 100;

    private readonly SignedJsonClient _events = new("events", "events", "AWSEvents", endpoint, credentials, clock);

    public async Task PublishCompletedAsync(DistributionCompleted completed, CancellationToken cancellationToken)
    {
        var entry = new JsonObject
        {
            ["Source"] = DistributionCompleted.Source,
            ["DetailType"] = DistributionCompleted.DetailType,
            ["Detail"] = Detail(completed).ToJsonString(),
            ["Resources"] = new JsonArray($"arn:{partition}:ec2:{completed.Key.SourceRegion}::image/{completed.Key.SourceImageId}"),
            ["Time"] = completed.CompletedAt.ToUnixTimeSeconds(),
        };
        var answer = await _events.SendAsync(homeRegion, "PutEvents", new JsonObject { ["Entries"] = new JsonArray(entry) }, cancellationToken);
        // PutEvents answers 200 with entries it did not take: only a failed count of 0 means the event is on the bus.
        if (answer["FailedEntryCount"]?.GetValue<int>() is not 0)
        {
            var failed = answer["Entries"]?[0];
            throw new InvalidOperationException(
                $"PutEvents did not take the completed event of {completed.Key}: {failed?["ErrorCode"]?.GetValue<string>()} {failed?["ErrorMessage"]?.GetValue<string>()}".TrimEnd());
        }
    }

    private static JsonObject Detail(DistributionCompleted completed)
    {
        var accounts = completed.ProblemAccounts.OrderBy(a => a.Key, StringComparer.Ordinal).Take(MaxAccountsListed)
            .ToDictionary(a => a.Key, a => (JsonNode?)Counts(a.Value));
        return new JsonObject
        {
            ["completionId"] = completed.CompletionId,
            ["sourceRegion"] = completed.Key.SourceRegion,
            ["sourceImageId"] = completed.Key.SourceImageId,
            ["round"] = completed.Round,
            ["byState"] = Counts(completed.ByState),
            ["byFailureCode"] = Counts(completed.ByFailureCode),
            ["waves"] = new JsonObject(completed.Waves.ToDictionary(w => w.Key.ToString(CultureInfo.InvariantCulture), w => (JsonNode?)Counts(w.Value))),
            ["accountsWithProblems"] = new JsonObject(accounts),
            ["accountsWithProblemsLeftOut"] = Math.Max(0, completed.ProblemAccounts.Count - MaxAccountsListed),
            ["completedAt"] = completed.CompletedAt.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture),
        };
    }

    private static JsonObject Counts(IReadOnlyDictionary<string, long> counts) =>
        new(counts.OrderBy(c => c.Key, StringComparer.Ordinal).ToDictionary(c => c.Key, c => (JsonNode?)c.Value));

    public void Dispose() => _events.Dispose();
}
