using System.Text.Json;
using Amazon.DynamoDBv2.Model;
using AmiReplicator.Contract;
using AmiReplicator.Domain.Jobs;
using AmiReplicator.LocalCloud;
using AmiReplicator.TestSupport;
using SeedImage = AmiReplicator.Ec2Simulator.SeedImage;

namespace AmiReplicator.EndToEnd.Tests;

/// <summary>
/// The functions' metrics as Lambda's log pipeline reads them: every line in CloudWatch's embedded metric format, per
/// destination, and each of the replicator's metrics written when its event happens.
/// </summary>
[Collection(LocalCloudFixture.Collection)]
public class MetricsTests(LocalCloudFixture cloud)
{
    private const string Policy = """{"destinations":[{"region":"eu-west-1","maxInFlight":1},{"region":"eu-central-1"}],"retries":{"maxAttempts":1}}""";

    /// <summary>One metric observation read back from an EMF line.</summary>
    private sealed record Observation(string Namespace, string Name, string Unit, string Destination, double Value, IReadOnlyList<IReadOnlyList<string>> Dimensions);

    /// <summary>
    /// Reads a log line as the embedded metric format specification defines it: the "_aws" metadata with a millisecond timestamp
    /// and metric directives, each dimension set naming root members that hold strings, each metric a root member that holds a number.
    /// </summary>
    private static IEnumerable<Observation> ParseEmf(JsonElement line)
    {
        var aws = line.GetProperty("_aws");
        Assert.Equal(JsonValueKind.Number, aws.GetProperty("Timestamp").ValueKind);
        Assert.True(aws.GetProperty("Timestamp").GetInt64() > 0);
        foreach (var directive in aws.GetProperty("CloudWatchMetrics").EnumerateArray())
        {
            var dimensions = directive.GetProperty("Dimensions").EnumerateArray().Select(set => (IReadOnlyList<string>)[.. set.EnumerateArray().Select(d => d.GetString()!)]).ToList();
            Assert.NotEmpty(dimensions);
            Assert.All(dimensions.SelectMany(d => d), d => Assert.Equal(JsonValueKind.String, line.GetProperty(d).ValueKind));
            foreach (var metric in directive.GetProperty("Metrics").EnumerateArray())
            {
                var name = metric.GetProperty("Name").GetString()!;
                Assert.Equal(JsonValueKind.Number, line.GetProperty(name).ValueKind);
                yield return new Observation(directive.GetProperty("Namespace").GetString()!, name, metric.GetProperty("Unit").GetString()!,
                    line.GetProperty(ReplicatorMetrics.DestinationDimension).GetString()!, line.GetProperty(name).GetDouble(), dimensions);
            }
        }
    }

    private static async Task<string> RequestAsync(LocalReplication h, string name)
    {
        var imageId = h.Simulator.SeedImage("us-east-1", new SeedImage { Name = name });
        await h.SendAsync($$"""{"sourceRegion":"us-east-1","sourceImageId":"{{imageId}}","requestedBy":"alice"}""");
        await h.DeliverAsync();
        h.Clock.Advance(TimeSpan.FromSeconds(1));
        return imageId;
    }

    [Fact]
    public async Task Copies_started_completed_failed_cancelled_back_pressure_repairs_durations_waiting_and_in_flight_are_published_per_destination()
    {
        await using var h = await LocalReplication.StartAsync(cloud.Servers, Policy);
        var otherTools = h.Simulator.OccupyCopySlots("eu-central-1", 50);
        h.Simulator.FailNextCopies("eu-west-1", 1);
        foreach (var name in new[] { "golden-1", "golden-2", "golden-3" })
        {
            await RequestAsync(h, name);
        }

        // golden-1 fails into eu-west-1 and golden-2 takes its slot; eu-central-1 backs off while other tools hold EC2's limit.
        for (var minute = 0; minute < 6; minute++)
        {
            h.Clock.Advance(TimeSpan.FromMinutes(1));
            await h.RunPollerAsync();
        }

        // A counter a person deleted is rebuilt (a repair); a draining destination cancels golden-3, still waiting there.
        var counter = (await h.CountersAsync()).First(c => c.Scope.Destination == CopyDestination.Home("eu-west-1"));
        await h.Replicator.DynamoDb.DeleteItemAsync(new DeleteItemRequest
        {
            TableName = h.Replicator.Settings.TableName,
            Key = new()
            {
                [JobTableSchema.PartitionKey] = new AttributeValue { S = "SLOT" },
                [JobTableSchema.SortKey] = new AttributeValue { S = counter.Scope.ToString() },
            },
        });
        h.ChangePolicy("""{"destinations":[{"region":"eu-west-1","maxInFlight":1,"drain":true},{"region":"eu-central-1"}],"retries":{"maxAttempts":1}}""");
        otherTools.Dispose();
        var jobs = await h.RunPollerUntilDoneAsync();
        Assert.Equal(
            [CopyJobState.Failed, CopyJobState.Available, CopyJobState.Cancelled],
            jobs.Where(j => j.Key.DestinationRegion == "eu-west-1").OrderBy(j => j.CreatedAt).Select(j => j.State));

        var observations = h.Log.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => JsonDocument.Parse(l).RootElement)
            .Where(l => l.TryGetProperty("_aws", out _))
            .SelectMany(ParseEmf)
            .ToList();
        Assert.All(observations, o => Assert.Equal(ReplicatorMetrics.Namespace, o.Namespace));
        Assert.All(observations, o => Assert.Contains([ReplicatorMetrics.DestinationDimension], o.Dimensions));
        double Sum(MetricDefinition metric, string destination) => observations.Where(o => o.Name == metric.Name && o.Destination == destination).Sum(o => o.Value);
        bool Published(MetricDefinition metric, string destination) => observations.Any(o => o.Name == metric.Name && o.Destination == destination);

        Assert.Equal((3, 2), (Sum(ReplicatorMetrics.CopiesStarted, "eu-central-1"), Sum(ReplicatorMetrics.CopiesStarted, "eu-west-1")));
        Assert.Equal((3, 1), (Sum(ReplicatorMetrics.CopiesCompleted, "eu-central-1"), Sum(ReplicatorMetrics.CopiesCompleted, "eu-west-1")));
        Assert.Equal((0, 1), (Sum(ReplicatorMetrics.CopiesFailed, "eu-central-1"), Sum(ReplicatorMetrics.CopiesFailed, "eu-west-1")));
        Assert.Equal(1, Sum(ReplicatorMetrics.CopiesCancelled, "eu-west-1"));
        Assert.True(Sum(ReplicatorMetrics.BackPressure, "eu-central-1") >= 1);
        Assert.Equal(0, Sum(ReplicatorMetrics.BackPressure, "eu-west-1"));
        Assert.True(Sum(ReplicatorMetrics.Repairs, "eu-west-1") >= 1);
        Assert.All(observations.Where(o => o.Name == ReplicatorMetrics.CopyDuration.Name), o => Assert.Equal(("Seconds", 300.0), (o.Unit, o.Value)));
        foreach (var destination in new[] { "eu-west-1", "eu-central-1" })
        {
            Assert.True(Published(ReplicatorMetrics.CopyDuration, destination));
            Assert.True(Published(ReplicatorMetrics.OldestWaitingJobAge, destination));
            Assert.True(Published(ReplicatorMetrics.CopiesInFlight, destination));
            Assert.True(Published(ReplicatorMetrics.InFlightBudget, destination));
        }

        // Jobs waiting, every five minutes: at minute 1 eu-west-1's one slot holds golden-1 and two wait; at minute 6 golden-2 holds
        // it and golden-3 waits. In eu-central-1 golden-1 keeps its claim under back-pressure (in flight, not waiting) and two wait.
        // Once golden-3 is cancelled and eu-central-1's copies are done, none waits.
        List<double> Waiting(string destination) => [.. observations.Where(o => o.Name == ReplicatorMetrics.JobsWaiting.Name && o.Destination == destination).Select(o => o.Value)];
        Assert.Equal([2, 1], Waiting("eu-west-1").Take(2));
        Assert.Equal([2, 2], Waiting("eu-central-1").Take(2));
        Assert.Equal((0, 0), (Waiting("eu-west-1")[^1], Waiting("eu-central-1")[^1]));

        // Levels are per destination only; counts and ages also over all destinations, so one alarm covers every destination.
        Assert.All(observations.Where(o => o.Name == ReplicatorMetrics.CopiesInFlight.Name), o => Assert.Single(o.Dimensions));
        Assert.All(observations.Where(o => o.Name == ReplicatorMetrics.JobsWaiting.Name), o => Assert.Equal(("Count", 1), (o.Unit, o.Dimensions.Count)));
        Assert.All(observations.Where(o => o.Name == ReplicatorMetrics.CopiesFailed.Name), o => Assert.Contains([], o.Dimensions));
    }
}
