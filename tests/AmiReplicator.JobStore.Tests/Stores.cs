using Amazon.DynamoDBv2;
using Amazon.Runtime;
using AmiReplicator.Aws.DynamoDb;
using AmiReplicator.Domain.Jobs;
using AmiReplicator.InMemory;
using AmiReplicator.LocalCloud;
using Microsoft.Extensions.Logging.Abstractions;

namespace AmiReplicator.JobStore.Tests;

public sealed class InMemoryCopyJobStoreContract : CopyJobStoreContract
{
    protected override Task<ICopyJobStore> NewStoreAsync() => Task.FromResult<ICopyJobStore>(new InMemoryCopyJobStore());

    protected override ICopyJobInspection InspectionOf(ICopyJobStore store) => (InMemoryCopyJobStore)store;
}

/// <summary>DynamoDB Local (the one tools/test.sh started, or one of its own), a new table per test.</summary>
public sealed class DynamoDbLocalFixture : IAsyncLifetime
{
    private LocalServer? _server;

    public AmazonDynamoDBClient Client { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        _server = await DynamoDbLocal.UseOrStartAsync();
        Client = new AmazonDynamoDBClient(new BasicAWSCredentials("test", "test"),
            new AmazonDynamoDBConfig { ServiceURL = _server.Url.ToString(), AuthenticationRegion = "us-east-1" });
    }

    public async Task DisposeAsync()
    {
        Client.Dispose();
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}

public sealed class DynamoCopyJobStoreContract(DynamoDbLocalFixture dynamo) : CopyJobStoreContract, IClassFixture<DynamoDbLocalFixture>
{
    private readonly Dictionary<ICopyJobStore, string> _tables = [];

    protected override async Task<ICopyJobStore> NewStoreAsync()
    {
        var table = $"contract-{Guid.NewGuid():N}"[..24];
        await JobTable.CreateIfMissingAsync(dynamo.Client, table, CancellationToken.None);
        var store = new DynamoCopyJobStore(dynamo.Client, table, NullLogger<DynamoCopyJobStore>.Instance) { CountPageSize = SmallCountPage };
        _tables[store] = table;
        return store;
    }

    protected override ICopyJobInspection InspectionOf(ICopyJobStore store) => new CopyJobInspection(dynamo.Client, _tables[store]);
}
