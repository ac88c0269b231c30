using Amazon.Runtime;
using Amazon.SimpleSystemsManagement;
using Amazon.SimpleSystemsManagement.Model;
using AmiReplicator.Aws.Clients;
using AmiReplicator.Domain.Images;

namespace AmiReplicator.Aws.Ssm;

/// <summary>
/// The latest-copy parameters over AWSSDK.SimpleSystemsManagement, one client per region (made on first use); with an endpoint
/// (the local simulator) every region goes there, signed for its own region. SSM's refusals come out as <see cref="ParameterRefusedException"/>.
/// </summary>
public sealed class SsmImageParameters(Uri? endpoint = null, AWSCredentials? credentials = null) : IImageParameters, IDisposable
{
    /// <summary>The data type that makes SSM check the value is an AMI of the region (and lets EC2 launch from "resolve:ssm:").</summary>
    public const string ImageDataType = "aws:ec2:image";

    /// <summary>Codes SSM answers for a request that will never succeed as it is.</summary>
    private static readonly HashSet<string> RefusedCodes = new(StringComparer.Ordinal)
    {
        "ValidationException", "ParameterAlreadyExists", "HierarchyLevelLimitExceededException", "HierarchyTypeMismatchException",
        "UnsupportedParameterType", "ParameterPatternMismatchException", "ParameterLimitExceeded", "AccessDeniedException",
        "InvalidAllowedPatternException",
    };

    private readonly RegionalClients<IAmazonSimpleSystemsManagement, AmazonSimpleSystemsManagementConfig> _clients = new(endpoint, credentials,
        () => new AmazonSimpleSystemsManagementConfig { RetryMode = RequestRetryMode.Standard },
        (c, config) => c is null ? new AmazonSimpleSystemsManagementClient(config) : new AmazonSimpleSystemsManagementClient(c, config));

    public async Task<string?> GetImageIdAsync(string region, string name, CancellationToken cancellationToken)
    {
        try
        {
            var response = await Call(() => For(region).GetParameterAsync(new GetParameterRequest { Name = name }, cancellationToken));
            return response.Parameter?.Value;
        }
        catch (ParameterNotFoundException)
        {
            return null;
        }
    }

    public Task PutImageIdAsync(string region, string name, string imageId, CancellationToken cancellationToken) =>
        Call(() => For(region).PutParameterAsync(new PutParameterRequest
        {
            Name = name,
            Value = imageId,
            Type = ParameterType.String,
            DataType = ImageDataType,
            Overwrite = true,
            Description = "The newest copy of this image family made by the AMI replicator",
        }, cancellationToken));

    private static async Task<T> Call<T>(Func<Task<T>> call)
    {
        try
        {
            return await call();
        }
        catch (AmazonSimpleSystemsManagementException e) when (e is not ParameterNotFoundException && RefusedCodes.Contains(e.ErrorCode))
        {
            throw new ParameterRefusedException(e.ErrorCode, e.Message, e);
        }
    }

    private IAmazonSimpleSystemsManagement For(string region) => _clients.For(region);

    public void Dispose() => _clients.Dispose();
}
