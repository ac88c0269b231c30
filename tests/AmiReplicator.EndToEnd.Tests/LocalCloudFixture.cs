using AmiReplicator.LocalCloud;

namespace AmiReplicator.EndToEnd.Tests;

/// <summary>One DynamoDB Local and one moto for the whole test assembly (or the ones .ci/run started).</summary>
public sealed class LocalCloudFixture : IAsyncLifetime
{
    private LocalServer? _dynamo;
    private LocalServer? _moto;

    public Uri DynamoDbUrl => _dynamo?.Url ?? throw new InvalidOperationException("Not started.");
    public Uri MotoUrl => _moto?.Url ?? throw new InvalidOperationException("Not started.");

    public async Task InitializeAsync()
    {
        var dynamo = DynamoDbLocal.UseOrStartAsync();
        var moto = Moto.UseOrStartAsync();
        _dynamo = await dynamo;
        _moto = await moto;
    }

    public async Task DisposeAsync()
    {
        if (_dynamo is not null)
        {
            await _dynamo.DisposeAsync();
        }

        if (_moto is not null)
        {
            await _moto.DisposeAsync();
        }
    }
}

[CollectionDefinition(Name)]
public sealed class LocalCloudCollection : ICollectionFixture<LocalCloudFixture>
{
    public const string Name = "local cloud";
}
