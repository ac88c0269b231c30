using AmiReplicator.LocalCloud;

namespace AmiReplicator.Resilience.Tests;

/// <summary>
/// DynamoDB Local and moto (or the ones AMIREPL_DYNAMODB_URL / AMIREPL_MOTO_URL name), shared by the two collections of this
/// assembly so that they run in parallel on one pair of servers; stopped when the last collection is done with them.
/// </summary>
public sealed class LocalCloudFixture : IAsyncLifetime
{
    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static LocalCloudServers? _shared;
    private static int _users;

    private LocalCloudServers? _servers;

    public LocalCloudServers Servers => _servers ?? throw new InvalidOperationException("Not started.");

    public async Task InitializeAsync()
    {
        await Gate.WaitAsync();
        try
        {
            _servers = _shared ??= await LocalCloudServers.StartAsync();
            _users++;
        }
        finally
        {
            Gate.Release();
        }
    }

    public async Task DisposeAsync()
    {
        await Gate.WaitAsync();
        try
        {
            if (--_users == 0 && _shared is not null)
            {
                await _shared.DisposeAsync();
                _shared = null;
            }
        }
        finally
        {
            Gate.Release();
        }
    }
}

/// <summary>The crash-at-every-boundary and counter-repair tests, one after another.</summary>
[CollectionDefinition(Name)]
public sealed class CrashCollection : ICollectionFixture<LocalCloudFixture>
{
    public const string Name = "resilience: crashes";
}

/// <summary>The concurrency property, in parallel with the crash tests.</summary>
[CollectionDefinition(Name)]
public sealed class ConcurrencyCollection : ICollectionFixture<LocalCloudFixture>
{
    public const string Name = "resilience: concurrency";
}
