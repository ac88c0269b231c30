using AmiReplicator.LocalCloud;
using Xunit;

namespace AmiReplicator.TestSupport;

/// <summary>
/// DynamoDB Local and moto (or the ones AMIREPL_DYNAMODB_URL / AMIREPL_MOTO_URL name, as tools/test.sh starts them) for a test
/// process: every collection and class fixture of an assembly that takes this fixture shares one pair of servers, so that
/// collections run in parallel on it; the servers stop when the last of them is done.
/// </summary>
/// <remarks>
/// xunit finds collection definitions only in the test assembly itself, so each assembly declares its collections over this
/// fixture, a line each (<c>LocalCloudCollection</c>, named <see cref="Collection"/>).
/// </remarks>
public sealed class LocalCloudFixture : IAsyncLifetime
{
    /// <summary>The name of an assembly's collection of tests on the local cloud.</summary>
    public const string Collection = "local cloud";

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
        if (_servers is null)
        {
            return;
        }

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
