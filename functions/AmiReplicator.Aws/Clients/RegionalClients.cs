using System.Collections.Concurrent;
using Amazon;
using Amazon.Runtime;

namespace AmiReplicator.Aws.Clients;

/// <summary>One AWS SDK client per region, made on first use. With an endpoint (the local cloud) every region goes there, signed for its own region.</summary>
internal sealed class RegionalClients<TClient, TConfig>(
    Uri? endpoint,
    AWSCredentials? credentials,
    Func<TConfig> newConfig,
    Func<AWSCredentials?, TConfig, TClient> create) : IDisposable
    where TClient : IDisposable
    where TConfig : ClientConfig
{
    private readonly ConcurrentDictionary<string, TClient> _clients = new(StringComparer.Ordinal);

    public TClient For(string region) => _clients.GetOrAdd(region, Create);

    private TClient Create(string region)
    {
        var config = newConfig();
        if (endpoint is null)
        {
            config.RegionEndpoint = RegionEndpoint.GetBySystemName(region);
        }
        else
        {
            config.ServiceURL = endpoint.ToString();
            config.AuthenticationRegion = region;
        }

        return create(credentials, config);
    }

    public void Dispose()
    {
        foreach (var client in _clients.Values)
        {
            client.Dispose();
        }
    }
}
