using System.Globalization;
using Amazon.DynamoDBv2.Model;
using Amazon.EC2.Model;
using AmiReplicator.Aws.DynamoDb;
using AmiReplicator.Domain.Jobs;
using AmiReplicator.Ec2Simulator;
using AmiReplicator.LocalCloud;
using AmiReplicator.TestSupport;
using Tag = Amazon.EC2.Model.Tag;

namespace AmiReplicator.EndToEnd.Tests;

/// <summary>
/// A table the replicator wrote before target accounts existed (before issue 23) is carried on by today's functions as it is: the
/// items below are written attribute by attribute as that version wrote them (no DestinationAccount, FailureCode or ShareToRemove),
/// not through today's store, so a change of key or attribute that breaks an existing table fails here. They carry no state index
/// attributes (GSI2PK, GSI2SK) either: what was written before the index is found once the backfill ran.
/// </summary>
[Collection(LocalCloudFixture.Collection)]
public class UpgradeTests(LocalCloudFixture cloud)
{
    private const string Source = "us-east-1";
    private const string Destination = "eu-west-1";

    private static readonly string[] States = ["waiting", "claimed", "copying", "available", "failed", "cancelled"];

    private static readonly string[] Finishing = ["waiting", "claimed", "copying", "available"];

    private static readonly string[] TaggedAtCreation = ["image", "snapshot"];

    [Fact]
    public async Task Jobs_in_every_state_written_before_targets_finish_or_stay_ended_and_the_counters_come_back_to_zero()
    {
        await using var h = await LocalReplication.StartAsync(cloud.Servers, """{"destinations":[{"region":"eu-west-1"}]}""");
        var sources = States.ToDictionary(state => state, state => h.Simulator.SeedImage(Source, new SeedImage
        {
            Name = $"golden-{state}",
            Volumes = [new SeedVolume("/dev/xvda") { Tags = new Dictionary<string, string> { ["backup"] = "daily" } }],
        }));
        // The available job's copy is done and the copying one's under way: both made by EC2 as the replicator asked for them.
        var available = await CopyAsync(h, sources["available"]);
        h.Clock.Advance(TimeSpan.FromHours(2));
        Assert.Equal("available", h.Simulator.FindImage(Destination, available)?.State);
        var copying = await CopyAsync(h, sources["copying"]);
        var now = h.Clock.GetUtcNow();

        var table = h.Replicator.Settings.TableName;
        var items = new List<Dictionary<string, AttributeValue>>
        {
            OldJob(sources["waiting"], "WAITING", now, ("WaitingSince", Time(now))),
            OldJob(sources["claimed"], "CLAIMED", now.AddMinutes(-20), ("ClaimedAt", Time(now.AddMinutes(-20))), ("CopyCalledAt", Time(now.AddMinutes(-20)))),
            OldJob(sources["copying"], "COPYING", now, ("ClaimedAt", Time(now)), ("CopyCalledAt", Time(now)), ("CopyStartedAt", Time(now)), ("TargetImageId", copying)),
            OldJob(sources["available"], "AVAILABLE", now, ("TargetImageId", available), ("CompletedAt", Time(now))),
            OldJob(sources["failed"], "FAILED", now, ("LastError", "copy ami-0123 failed: InternalError"), ("CompletedAt", Time(now))),
            OldJob(sources["cancelled"], "CANCELLED", now, ("LastError", "cancelled by alice"), ("CompletedAt", Time(now))),
            OldCounter($"DEST#{Destination}", sources["claimed"], sources["copying"]),
            OldCounter($"PAIR#{Source}#{Destination}", sources["claimed"], sources["copying"]),
        };
        foreach (var item in items)
        {
            await h.Replicator.DynamoDb.PutItemAsync(new PutItemRequest { TableName = table, Item = item });
        }

        var jobs = (await h.RunPollerUntilDoneAsync()).ToDictionary(j => j.Key.SourceImageId);

        Assert.All(Finishing, state =>
        {
            var job = jobs[sources[state]];
            Assert.Equal((CopyJobState.Available, null), (job.State, job.Key.DestinationAccount));
            Assert.Equal("available", h.Simulator.FindImage(Destination, job.TargetImageId!)?.State);
        });
        Assert.Equal(copying, jobs[sources["copying"]].TargetImageId);
        // Written before the source's snapshot tags were kept on the job: finishing reads them from the source.
        var copiedSnapshot = Assert.Single(h.Simulator.FindImage(Destination, copying)!.BlockDevices).SnapshotId;
        Assert.Equal("daily", h.Simulator.Snapshots(Destination).Single(s => s.SnapshotId == copiedSnapshot).Tags["backup"]);
        Assert.Equal((CopyJobState.Failed, null), (jobs[sources["failed"]].State, jobs[sources["failed"]].FailureCode));
        Assert.Equal(CopyJobState.Cancelled, jobs[sources["cancelled"]].State);
        Assert.All(await h.Replicator.Store.ListCountersAsync(CancellationToken.None), c => Assert.Equal((0, 0), (c.InFlight, c.Holders.Count)));
        Assert.Equal(1, h.Simulator.Account(h.Simulator.AccountId).Images(Destination).Count(i => i.SourceImageId == sources["claimed"]));

        // The jobs the poller moved are in the state index (each write sets it); those ended before it, only once the backfill
        // (`amirepl upgrade-table`) has given them its attributes.
        var inspection = h.Replicator.Aws.Inspection;
        var home = CopyDestination.Home(Destination);
        async Task<IEnumerable<string>> ListedAsync(CopyJobState state) =>
            (await inspection.ListJobsAsync(state, home, null, null, 100, h.Clock.GetUtcNow(), CancellationToken.None)).Jobs.Select(j => j.Key.SourceImageId).Order();
        Assert.Equal(Finishing.Select(s => sources[s]).Order(), await ListedAsync(CopyJobState.Available));
        Assert.Empty(await ListedAsync(CopyJobState.Failed));
        Assert.Equal(2, await new JobIndexBackfill(h.Replicator.DynamoDb, table).RunAsync(jobRetention: null, CancellationToken.None));
        Assert.Equal([sources["failed"]], await ListedAsync(CopyJobState.Failed));
        Assert.Equal([sources["cancelled"]], await ListedAsync(CopyJobState.Cancelled));

        // A job ended before failure codes is asked for again like any other.
        await h.SendAsync($$"""{"sourceRegion":"{{Source}}","sourceImageId":"{{sources["failed"]}}","requestedBy":"alice","reason":"after the upgrade"}""");
        await h.DeliverAsync();
        Assert.Equal(CopyJobState.Available, (await h.RunPollerUntilDoneAsync()).Single(j => j.Key.SourceImageId == sources["failed"]).State);
    }

    /// <summary>A CopyImage as the replicator makes it (named and tagged by its source), answering the new image's id.</summary>
    private static async Task<string> CopyAsync(LocalReplication h, string sourceImageId) =>
        (await h.Ec2(Destination).CopyImageAsync(new CopyImageRequest
        {
            SourceRegion = Source,
            SourceImageId = sourceImageId,
            Name = $"{sourceImageId}-copy",
            ClientToken = $"{sourceImageId}-copy",
            TagSpecifications = [.. TaggedAtCreation.Select(type => new TagSpecification
            {
                ResourceType = type,
                Tags = [new Tag("amireplicator:source-image-id", sourceImageId), new Tag("amireplicator:source-region", Source)],
            })],
        })).ImageId;

    /// <summary>A job's item with the attributes the version before targets wrote for every job, and those given.</summary>
    private static Dictionary<string, AttributeValue> OldJob(string sourceImageId, string state, DateTimeOffset created, params (string Name, string Value)[] more)
    {
        var item = new Dictionary<string, AttributeValue>
        {
            ["PK"] = S($"JOB#{Source}#{sourceImageId}"),
            ["SK"] = S($"DEST#{Destination}"),
            ["SourceRegion"] = S(Source),
            ["SourceImageId"] = S(sourceImageId),
            ["DestinationRegion"] = S(Destination),
            ["State"] = S(state),
            ["Version"] = new() { N = "3" },
            ["Name"] = S($"{sourceImageId}-{state.ToLowerInvariant()}"),
            ["Description"] = S($"copy of {sourceImageId}"),
            ["Encrypt"] = new() { BOOL = false },
            ["RequestedBy"] = S("eventbridge:e-1"),
            ["Attempt"] = new() { N = "1" },
            ["StepFailures"] = new() { N = "0" },
            ["CreatedAt"] = S(Time(created)),
            ["UpdatedAt"] = S(Time(created)),
            ["Tags"] = new() { M = new() { ["amireplicator:source-image-id"] = S(sourceImageId), ["amireplicator:source-region"] = S(Source) } },
            ["Notes"] = new() { L = [] },
            ["SizeGiB"] = new() { N = "8" },
            ["SourceOwnerId"] = S("123456789012"),
        };
        foreach (var (name, value) in more)
        {
            item[name] = S(value);
        }

        // The sparse index as that version kept it: waiting jobs by pair in start order, claimed and copying ones by destination.
        if (state == "WAITING")
        {
            item["GSI1PK"] = S($"WAITING#{Destination}#{Source}");
            item["GSI1SK"] = S($"{created.UtcDateTime.ToString("yyyy-MM-ddTHH:mm", CultureInfo.InvariantCulture)}#9999991#{Time(created)}#{sourceImageId}");
        }
        else if (state is "CLAIMED" or "COPYING")
        {
            item["GSI1PK"] = S($"ACTIVE#{Destination}");
            item["GSI1SK"] = S($"{Time(created)}#{Source}#{sourceImageId}");
        }

        return item;
    }

    private static Dictionary<string, AttributeValue> OldCounter(string scope, params string[] holders) => new()
    {
        ["PK"] = S("SLOT"),
        ["SK"] = S(scope),
        ["InFlight"] = new() { N = holders.Length.ToString(CultureInfo.InvariantCulture) },
        ["Holders"] = new() { SS = [.. holders.Select(image => $"{Source}#{image}#{Destination}")] },
    };

    private static AttributeValue S(string value) => new() { S = value };

    private static string Time(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture);
}
