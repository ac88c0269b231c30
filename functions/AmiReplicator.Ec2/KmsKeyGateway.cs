using System.Collections.Concurrent;
using Amazon;
using Amazon.KeyManagementService;
using Amazon.KeyManagementService.Model;
using Amazon.Runtime;
using AmiReplicator.Domain.Images;

namespace AmiReplicator.Ec2;

/// <summary>
/// KMS DescribeKey over AWSSDK.KeyManagementService, one client per region. DescribeKey is what EC2 needs the account to be allowed
/// on a key before it copies what the key encrypts, so a key it refuses to describe is one a copy would fail on.
/// </summary>
public sealed class KmsKeyGateway(Uri? endpoint = null, AWSCredentials? credentials = null) : IKeyGateway, IDisposable
{
    private readonly ConcurrentDictionary<string, IAmazonKeyManagementService> _clients = new(StringComparer.Ordinal);

    public async Task<string?> WhyUnusableAsync(string region, string keyId, CancellationToken cancellationToken)
    {
        try
        {
            var key = (await _clients.GetOrAdd(region, Create).DescribeKeyAsync(new DescribeKeyRequest { KeyId = keyId }, cancellationToken)).KeyMetadata;
            return key.KeyState == KeyState.Enabled ? null : $"KMS key {key.Arn} is {key.KeyState.Value}";
        }
        catch (AmazonKeyManagementServiceException e) when (e.ErrorCode is "NotFoundException" or "AccessDeniedException" or "KMSInvalidStateException")
        {
            return $"{e.ErrorCode}: {e.Message}";
        }
        catch (Exception e) when (e is AmazonServiceException or HttpRequestException or TimeoutException)
        {
            // Throttling, a network error: nothing is known yet; the caller treats it as any transient error of its step.
            throw new ImageServiceException(Ec2ErrorKind.Transient, (e as AmazonServiceException)?.ErrorCode ?? "NetworkError", e.Message, e);
        }
    }

    private IAmazonKeyManagementService Create(string region)
    {
        var config = new AmazonKeyManagementServiceConfig { RetryMode = RequestRetryMode.Standard };
        if (endpoint is null)
        {
            config.RegionEndpoint = RegionEndpoint.GetBySystemName(region);
        }
        else
        {
            config.ServiceURL = endpoint.ToString();
            config.AuthenticationRegion = region;
        }

        return credentials is null ? new AmazonKeyManagementServiceClient(config) : new AmazonKeyManagementServiceClient(credentials, config);
    }

    public void Dispose()
    {
        foreach (var client in _clients.Values)
        {
            client.Dispose();
        }
    }
}
