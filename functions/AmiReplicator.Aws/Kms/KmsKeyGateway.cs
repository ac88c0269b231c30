using Amazon.KeyManagementService;
using Amazon.KeyManagementService.Model;
using Amazon.Runtime;
using AmiReplicator.Aws.Clients;
using AmiReplicator.Domain.Images;

namespace AmiReplicator.Aws.Kms;

/// <summary>
/// KMS DescribeKey over AWSSDK.KeyManagementService, one client per region. DescribeKey is what EC2 needs the account to be allowed
/// on a key before it copies what the key encrypts, so a key it refuses to describe is one a copy would fail on.
/// </summary>
public sealed class KmsKeyGateway(Uri? endpoint = null, AWSCredentials? credentials = null) : IKeyGateway, IDisposable
{
    private readonly RegionalClients<IAmazonKeyManagementService, AmazonKeyManagementServiceConfig> _clients = new(endpoint, credentials,
        () => new AmazonKeyManagementServiceConfig { RetryMode = RequestRetryMode.Standard },
        (c, config) => c is null ? new AmazonKeyManagementServiceClient(config) : new AmazonKeyManagementServiceClient(c, config));

    public async Task<string?> WhyUnusableAsync(string region, string keyId, CancellationToken cancellationToken)
    {
        try
        {
            var key = (await _clients.For(region).DescribeKeyAsync(new DescribeKeyRequest { KeyId = keyId }, cancellationToken)).KeyMetadata;
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

    public void Dispose() => _clients.Dispose();
}
