using Amazon.EC2;
using Amazon.Runtime;
using AmiReplicator.Aws.Clients;

namespace AmiReplicator.Aws.Ec2;

/// <summary>One EC2 client per region, made on first use. With an endpoint (the local simulator) every region goes there, signed for its own region.</summary>
public sealed class Ec2Clients(Uri? endpoint = null, AWSCredentials? credentials = null) : IDisposable
{
    private readonly RegionalClients<IAmazonEC2, AmazonEC2Config> _clients = new(endpoint, credentials,
        () => new AmazonEC2Config
        {
            // Throttling (RequestLimitExceeded) and 5xx are retried by the SDK with jittered exponential backoff.
            RetryMode = RequestRetryMode.Standard,
            MaxErrorRetry = 5,
        },
        (c, config) => c is null ? new AmazonEC2Client(config) : new AmazonEC2Client(c, config));

    public IAmazonEC2 For(string region) => _clients.For(region);

    public void Dispose() => _clients.Dispose();
}
