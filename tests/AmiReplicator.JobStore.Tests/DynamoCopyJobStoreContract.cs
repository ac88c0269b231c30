using Amazon.DynamoDBv2;
using Amazon.Runtime;
using AmiReplicator.Aws.DynamoDb;
using AmiReplicator.Domain.Jobs;
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
        var store = new DynamoCopyJobStore(_client, table, NullLogger<DynamoCopyJobStore>.Instance) { CountPageSize = SmallCountPage };
        _tables[store] = table;
        return store;
    }

    protected override ICopyJobInspection InspectionOf(ICopyJobStore store) => new CopyJobInspection(_client, _tables[store]);

    public void Dispose() => _client.Dispose();
}
