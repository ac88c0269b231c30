using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Amazon.Runtime;
using AmiReplicator.Aws.DynamoDb;
using AmiReplicator.Contract;
using AmiReplicator.Domain.Jobs;
using AmiReplicator.Domain.Slots;
using AmiReplicator.LocalCloud;
using AmiReplicator.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;

namespace AmiReplicator.JobStore.Tests;

/// <summary>The contract on DynamoDB Local (the one tools/test.sh started, or the fixture's own), a new table per test.</summary>
[Collection(LocalCloudFixture.Collection)]
public sealed class DynamoCopyJobStoreContract(LocalCloudFixture cloud) : CopyJobStoreContract, IDisposable
{
    private readonly AmazonDynamoDBClient _client = new(new BasicAWSCredentials("test", "test"),
        new AmazonDynamoDBConfig { ServiceURL = cloud.Servers.DynamoDbUrl.ToString(), AuthenticationRegion = "us-east-1" });

    private readonly Dictionary<ICopyJobStore, string> _tables = [];

    protected override async Task<ICopyJobStore> NewStoreAsync(TimeSpan? jobRetention = null)
    {
        var table = $"contract-{Guid.NewGuid():N}"[..24];
        await JobTable.CreateIfMissingAsync(_client, table, CancellationToken.None);
        var store = new DynamoCopyJobStore(_client, table, NullLogger<DynamoCopyJobStore>.Instance) { PageSize = SmallCountPage, JobRetention = jobRetention };
        _tables[store] = table;
        return store;
    }

    protected override ICopyJobInspection InspectionOf(ICopyJobStore store) => new CopyJobInspection(_client, _tables[store]) { PageSize = SmallCountPage };

    /// <summary>
    /// A table written before targets existed keeps working: the home account's items are keyed exactly as they were then, and a
    /// target account's go into keys of their own (the job's partition and the index's carry the account).
    /// </summary>
    [Fact]
    public async Task The_home_accounts_items_are_keyed_as_before_targets_and_a_target_accounts_apart()
    {
        var store = (DynamoCopyJobStore)await NewStoreAsync();
        var table = _tables[store];
        var home = new CopyJobKey("us-east-1", "ami-0000000000000000a", "eu-west-1");
        var target = home with { DestinationAccount = "111111111111" };
        await store.CreateAllIfAbsentAsync([Waiting(home), Waiting(target)], CancellationToken.None);
        foreach (var scope in new[] { SlotScope.All(home.Destination), SlotScope.Pair("us-east-1", home.Destination), SlotScope.All(target.Destination), SlotScope.Pair("us-east-1", target.Destination) })
        {
            await store.CreateCounterAsync(SlotCounter.Holding(scope, []), CancellationToken.None);
        }

        var items = (await _client.ScanAsync(new ScanRequest { TableName = table }, CancellationToken.None)).Items
            .Select(i => (i["PK"].S, i["SK"].S, i.TryGetValue("GSI1PK", out var index) ? index.S : null, i.TryGetValue("DestinationAccount", out var account) ? account.S : null))
            .Order().ToList();
        Assert.Equal(
        [
            // Their one distribution, beside them (due to be looked at: its jobs were just written).
            ("DIST#us-east-1#ami-0000000000000000a", "DIST", "DISTRIBUTION", null),
            ("JOB#us-east-1#ami-0000000000000000a", "DEST#eu-west-1", "WAITING#eu-west-1#us-east-1", null),
            ("JOB#us-east-1#ami-0000000000000000a@111111111111", "DEST#eu-west-1", "WAITING#111111111111#eu-west-1#us-east-1", "111111111111"),
            ("SLOT", "DEST#111111111111#eu-west-1", null, null),
            ("SLOT", "DEST#eu-west-1", null, null),
            ("SLOT", "PAIR#us-east-1#111111111111#eu-west-1", null, null),
            ("SLOT", "PAIR#us-east-1#eu-west-1", null, null),
        ], items);
    }

    /// <summary>
    /// Jobs written before the state index existed (no GSI2PK, GSI2SK, ExpiresAt) are found by the reads by state once the backfill ran;
    /// it updates each once, and a job moved meanwhile keeps the write that moved it.
    /// </summary>
    [Fact]
    public async Task The_backfill_indexes_jobs_written_before_the_state_index_once()
    {
        var store = (DynamoCopyJobStore)await NewStoreAsync(TimeSpan.FromDays(1));
        var table = _tables[store];
        var waiting = Waiting(new CopyJobKey("us-east-1", "ami-0000000000000000a", "eu-west-1"));
        var ended = Waiting(new CopyJobKey("us-east-1", "ami-0000000000000000b", "eu-west-1")).MoveTo(CopyJobState.Cancelled, Now.AddDays(-3)) with
        {
            CompletedAt = Now.AddDays(-3),
        };
        var target = Waiting(new CopyJobKey("us-east-1", "ami-0000000000000000c", "eu-west-1") { DestinationAccount = "111111111111" });
        foreach (var job in new[] { waiting, ended, target })
        {
            var item = JobItemAsOlderVersionsWroteIt(job);
            await _client.PutItemAsync(new PutItemRequest { TableName = table, Item = item }, CancellationToken.None);
        }

        var inspection = InspectionOf(store);
        var home = CopyDestination.Home("eu-west-1");
        Assert.Empty(await inspection.CountJobsAsync(CopyJobState.Waiting, home, Now, CancellationToken.None));

        var backfill = new JobIndexBackfill(_client, table);
        Assert.Equal(3, await backfill.RunAsync(TimeSpan.FromDays(1), CancellationToken.None));
        Assert.Equal(0, await backfill.RunAsync(TimeSpan.FromDays(1), CancellationToken.None));

        Assert.Equal([new StateCount("us-east-1", 1, Now)], await inspection.CountJobsAsync(CopyJobState.Waiting, home, Now, CancellationToken.None));
        Assert.Equal([target.Key], (await inspection.ListJobsAsync(CopyJobState.Waiting, target.Key.Destination, null, null, 10, Now, CancellationToken.None)).Jobs.Select(j => j.Key));
        // Ended three days ago with a day's retention: expired, though still in the table.
        Assert.Empty(await inspection.CountJobsAsync(CopyJobState.Cancelled, home, Now, CancellationToken.None));
        Assert.Equal([new StateCount("us-east-1", 1, Now.AddDays(-3))], await inspection.CountJobsAsync(CopyJobState.Cancelled, home, Now.AddDays(-2.5), CancellationToken.None));
        Assert.NotNull(await store.GetAsync(ended.Key, CancellationToken.None));
    }

    /// <summary>A job's item as versions before the state index wrote it: today's attributes but the index's and the expiry.</summary>
    private static Dictionary<string, AttributeValue> JobItemAsOlderVersionsWroteIt(CopyJob job)
    {
        var item = JobItems.ToItem(job, retention: null);
        item.Remove(JobTableSchema.StateIndexPartitionKey);
        item.Remove(JobTableSchema.StateIndexSortKey);
        return item;
    }

    private static CopyJob Waiting(CopyJobKey key) => new()
    {
        Key = key,
        State = CopyJobState.Waiting,
        Name = "golden",
        Description = "d",
        RequestedBy = "test",
        CreatedAt = Now,
        UpdatedAt = Now,
        WaitingSince = Now,
    };

    public void Dispose() => _client.Dispose();
}
