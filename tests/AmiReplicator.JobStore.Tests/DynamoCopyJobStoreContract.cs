using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Amazon.Runtime;
using AmiReplicator.Aws.DynamoDb;
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

    protected override async Task<ICopyJobStore> NewStoreAsync()
    {
        var table = $"contract-{Guid.NewGuid():N}"[..24];
        await JobTable.CreateIfMissingAsync(_client, table, CancellationToken.None);
        var store = new DynamoCopyJobStore(_client, table, NullLogger<DynamoCopyJobStore>.Instance) { PageSize = SmallCountPage };
        _tables[store] = table;
        return store;
    }

    protected override ICopyJobInspection InspectionOf(ICopyJobStore store) => new CopyJobInspection(_client, _tables[store]);

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
