using AmiReplicator.LocalCloud;

namespace AmiReplicator.EndToEnd.Tests;

/// <summary>One DynamoDB Local and one moto for the whole test assembly (or the ones .ci/run started).</summary>
public sealed class LocalCloudFixture : IAsyncLifetime
{
    private LocalCloudServers? _servers;

    public LocalCloudServers Servers => _servers ?? throw new InvalidOperationException("Not started.");

    public Uri MotoUrl => Servers.MotoUrl;

    public async Task InitializeAsync() => _servers = await LocalCloudServers.StartAsync();

    public async Task DisposeAsync()
    {
        if (_servers is not null)
        {
            await _servers.DisposeAsync();
        }
    }
}

[CollectionDefinition(Name)]
public sealed class LocalCloudCollection : ICollectionFixture<LocalCloudFixture>
{
    public const string Name = "local cloud";
}
