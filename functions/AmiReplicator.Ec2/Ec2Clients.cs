using System.Collections.Concurrent;
using Amazon;
using Amazon.EC2;
using Amazon.Runtime;

namespace AmiReplicator.Ec2;

/// <summary>One EC2 client per region, made on first use. With an endpoint (the local simulator) every region goes there, signed for its own region.</summary>
public sealed class Ec2Clients(Uri? endpoint = null, AWSCredentials? credentials = null) : IDisposable
{
    private readonly ConcurrentDictionary<string, IAmazonEC2> _clients = new(StringComparer.Ordinal);

    public IAmazonEC2 For(string region) => _clients.GetOrAdd(region, Create);

    private IAmazonEC2 Create(string region)
    {
        var config = new AmazonEC2Config
        {
            // Throttling (RequestLimitExceeded) and 5xx are retried by the SDK with jittered exponential backoff.
            RetryMode = RequestRetryMode.Standard,
            MaxErrorRetry = 5,
        };
        if (endpoint is null)
        {
            config.RegionEndpoint = RegionEndpoint.GetBySystemName(region);
        }
        else
        {
            config.ServiceURL = endpoint.ToString();
            config.AuthenticationRegion = region;
        }

        return credentials is null ? new AmazonEC2Client(config) : new AmazonEC2Client(credentials, config);
    }

    public void Dispose()
    {
        foreach (var client in _clients.Values)
        {
            client.Dispose();
        }
    }
}
