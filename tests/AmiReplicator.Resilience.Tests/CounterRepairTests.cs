using System.Globalization;
using Amazon.DynamoDBv2.Model;
using AmiReplicator.Aws.DynamoDb;
using AmiReplicator.Contract;
using AmiReplicator.Domain.Jobs;
using AmiReplicator.Domain.Policy;
using AmiReplicator.Domain.Slots;
using AmiReplicator.LocalCloud;
using AmiReplicator.TestSupport;
using Xunit.Abstractions;
using static AmiReplicator.Resilience.Tests.Invariants;
using SeedImage = AmiReplicator.Ec2Simulator.SeedImage;

namespace AmiReplicator.Resilience.Tests;

/// <summary>
/// Counters corrupted by hand in the middle of a replication (a holder added for an AVAILABLE job, a holder removed
/// for a COPYING one, InFlight set wrong, a counter left by an earlier tool) are put right by the poller's reconciler, which logs each
/// repair, before it starts any waiting copy; no copy runs over budget meanwhile.
/// </summary>
[Collection(CrashCollection.Name)]
public class CounterRepairTests(LocalCloudFixture cloud, ITestOutputHelper output)
{
    private const string PolicyJson = """
        {"destinations":[{"region":"eu-west-1","maxInFlight":1},{"region":"eu-central-1","maxInFlight":2}]}
        """;

    private const string Source = "us-east-1";
    private static readonly string[] Destinations = ["eu-west-1", "eu-central-1"];

    [Fact]
    public async Task The_poller_repairs_counters_corrupted_by_hand_and_logs_each_repair()
    {
        // A copies in 2 minutes, B and C in 10: after the first pass A is AVAILABLE, B COPYING everywhere, C COPYING or WAITING.
        await using var h = await LocalReplication.StartAsync(cloud.Servers, PolicyJson, o => o with
        {
            CopyDurationFor = copy => TimeSpan.FromMinutes(copy.SourceImageId == _sources[0] ? 2 : 10),
            MaxConcurrentCopiesPerDestination = 10,
            MaxConcurrentCopiesPerSourceRegion = 10,
        });
        var policy = h.Replicator.Settings.Policy;
        foreach (var name in new[] { "golden-a", "golden-b", "golden-c" })
        {
            var id = h.Simulator.SeedImage(Source, new SeedImage { Name = name });
            _sources.Add(id);
            await h.SendAsync(LocalReplication.AvailableEvent(Source, id, id));
            await h.DeliverAsync();
            h.Clock.Advance(TimeSpan.FromSeconds(1)); // Waiting work starts oldest first: B before C.
        }

        h.Clock.Advance(TimeSpan.FromMinutes(2));
        await h.RunPollerAsync(CancellationToken.None);
        var (a, b, c) = (Key(0, "eu-west-1"), Key(1, "eu-west-1"), Key(2, "eu-west-1"));
        var (aCentral, bCentral, cCentral) = (Key(0, "eu-central-1"), Key(1, "eu-central-1"), Key(2, "eu-central-1"));
        Assert.Equal(
            [CopyJobState.Available, CopyJobState.Copying, CopyJobState.Waiting, CopyJobState.Available, CopyJobState.Copying, CopyJobState.Copying],
            await StatesAsync(h, a, b, c, aCentral, bCentral, cCentral));
        CountersAgreeWithJobs(await h.CountersAsync(), await h.JobsAsync(), policy, "before the corruption");

        // The corruption. Without B in eu-west-1's counters, C would start there and EC2 would run two copies on a budget of one.
        await UpdateCounterAsync(h, SlotScope.All(CopyDestination.Home("eu-west-1")), "SET InFlight = InFlight - :one DELETE Holders :holder", b);
        await UpdateCounterAsync(h, SlotScope.Pair(Source, CopyDestination.Home("eu-west-1")), "SET InFlight = InFlight - :one DELETE Holders :holder", b);
        await UpdateCounterAsync(h, SlotScope.All(CopyDestination.Home("eu-central-1")), "SET InFlight = InFlight + :one ADD Holders :holder", aCentral);
        await UpdateCounterAsync(h, SlotScope.Pair(Source, CopyDestination.Home("eu-central-1")), "SET InFlight = :nine", holder: null);
        await h.Replicator.DynamoDb.PutItemAsync(new PutItemRequest
        {
            TableName = h.Replicator.Settings.TableName,
            Item = new()
            {
                [JobTableSchema.PartitionKey] = new AttributeValue { S = "SLOT" },
                [JobTableSchema.SortKey] = new AttributeValue { S = SlotScope.All(CopyDestination.Home("ap-southeast-2")).ToString() },
                ["InFlight"] = new AttributeValue { N = "4" },
            },
        });

        h.Clock.Advance(TimeSpan.FromMinutes(1));
        await h.RunPollerAsync(CancellationToken.None);

        var jobs = await h.JobsAsync();
        CountersAgreeWithJobs(await h.CountersAsync(), jobs, policy, "after one poller pass");
        Assert.Equal(CopyJobState.Waiting, jobs.Single(j => j.Key == c).State);
        var messages = LogMessages(h.Log.ToString());
        output.WriteLine(string.Join("\n", messages.Where(m => m.StartsWith("Repaired", StringComparison.Ordinal))));
        Assert.Contains($"Repaired counter DEST#eu-west-1: {b} (Copying) was missing from its holders", messages);
        Assert.Contains($"Repaired counter PAIR#us-east-1#eu-west-1: {b} (Copying) was missing from its holders", messages);
        Assert.Contains($"Repaired counter DEST#eu-central-1: {aCentral} (Available) held a slot it should not", messages);
        Assert.Contains("Repaired counter PAIR#us-east-1#eu-central-1: InFlight was 9 for 2 holders", messages);
        Assert.Contains("Repaired counter DEST#ap-southeast-2: InFlight was 4 for 0 holders", messages);
        Assert.Equal(5, messages.Count(m => m.StartsWith("Repaired", StringComparison.Ordinal)));

        jobs = await h.RunPollerUntilDoneAsync();
        Settled(h.Simulator, jobs, await h.CountersAsync(), Destinations);
        PeaksWithinBudgets(h.Simulator, policy, [Source]);
        Assert.Equal(1, h.Simulator.PeakPendingCopies("eu-west-1"));
        Assert.Equal(5, LogMessages(h.Log.ToString()).Count(m => m.StartsWith("Repaired", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task The_poller_repairs_the_committed_throughput_of_a_pair_against_its_time_based_jobs()
    {
        await using var h = await LocalReplication.StartAsync(cloud.Servers,
            """{"destinations":[{"region":"eu-west-1","snapshotCopyCompletionDurationMinutes":60}]}""",
            o => o with { CopyDurationFor = _ => TimeSpan.FromMinutes(30) });
        var policy = h.Replicator.Settings.Policy;
        foreach (var name in new[] { "golden-a", "golden-b" })
        {
            var id = h.Simulator.SeedImage(Source, new SeedImage { Name = name, Volumes = [new("/dev/xvda", 2_000)] });
            _sources.Add(id);
            await h.SendAsync(LocalReplication.AvailableEvent(Source, id, id));
        }

        await h.DeliverAsync();
        h.Clock.Advance(TimeSpan.FromMinutes(1));
        await h.RunPollerAsync(CancellationToken.None);
        var pair = SlotScope.Pair(Source, CopyDestination.Home("eu-west-1"));
        CountersAgreeWithJobs(await h.CountersAsync(), await h.JobsAsync(), policy, "before the corruption");
        // 2,000 GiB in an hour: 568.9 MiB/s, counted as 500 (EC2's ceiling per snapshot).
        Assert.Equal(1_000, (await h.CountersAsync()).Single(c => c.Scope == pair).CommittedMiBps);

        // A holder and its throughput lost, and a total set by hand.
        var b = Key(1, "eu-west-1");
        await UpdateCounterAsync(h, pair, "SET InFlight = InFlight - :one, CommittedMiBps = :nine REMOVE #b DELETE Holders :holder", b);
        h.Clock.Advance(TimeSpan.FromMinutes(1));
        await h.RunPollerAsync(CancellationToken.None);
        h.Clock.Advance(TimeSpan.FromMinutes(1));
        await h.RunPollerAsync(CancellationToken.None);

        CountersAgreeWithJobs(await h.CountersAsync(), await h.JobsAsync(), policy, "after two poller passes");
        var messages = LogMessages(h.Log.ToString());
        Assert.Contains($"Repaired counter {pair}: {b} (Copying) was missing from its holders", messages);
        Assert.Contains($"Repaired counter {pair}: 509 MiB/s committed for holders holding 1000 (InFlight 2 for 2 holders)", messages);
        var jobs = await h.RunPollerUntilDoneAsync();
        Settled(h.Simulator, jobs, await h.CountersAsync(), ["eu-west-1"]);
    }

    private readonly List<string> _sources = [];

    private CopyJobKey Key(int source, string destination) => new(Source, _sources[source], destination);

    private static async Task<CopyJobState[]> StatesAsync(LocalReplication h, params CopyJobKey[] keys)
    {
        var jobs = await h.JobsAsync();
        return keys.Select(k => jobs.Single(j => j.Key == k).State).ToArray();
    }

    /// <summary>Writes to a counter as a bug or a person with the console would: no condition, no transaction.</summary>
    private static async Task UpdateCounterAsync(LocalReplication h, SlotScope scope, string update, CopyJobKey? holder)
    {
        var values = new Dictionary<string, AttributeValue>();
        if (update.Contains(":one", StringComparison.Ordinal))
        {
            values[":one"] = new AttributeValue { N = "1" };
        }

        if (update.Contains(":nine", StringComparison.Ordinal))
        {
            values[":nine"] = new AttributeValue { N = 9.ToString(CultureInfo.InvariantCulture) };
        }

        if (holder is not null)
        {
            values[":holder"] = new AttributeValue { SS = [holder.HolderId] };
        }

        await h.Replicator.DynamoDb.UpdateItemAsync(new UpdateItemRequest
        {
            TableName = h.Replicator.Settings.TableName,
            ExpressionAttributeNames = holder is not null && update.Contains("#b", StringComparison.Ordinal)
                ? new() { ["#b"] = $"MiBps#{holder.HolderId}" }
                : null,
            Key = new()
            {
                [JobTableSchema.PartitionKey] = new AttributeValue { S = "SLOT" },
                [JobTableSchema.SortKey] = new AttributeValue { S = scope.ToString() },
            },
            UpdateExpression = update,
            ExpressionAttributeValues = values,
        });
    }
}
