using AmiReplicator.Contract;
using AmiReplicator.Domain.Jobs;
using AmiReplicator.Domain.Policy;

namespace AmiReplicator.Functions;

/// <summary>What the functions are told by their environment (the stack sets these; the local run points the endpoints at the local cloud).</summary>
public sealed record ReplicatorSettings(
    string TableName,
    ReplicationPolicy Policy,
    string AccountId,
    string HomeRegion,
    Uri? Ec2Endpoint = null,
    Uri? DynamoDbEndpoint = null,
    string MetricsNamespace = ReplicatorMetrics.Namespace,
    string? DeadLetterQueueUrl = null,
    Uri? SqsEndpoint = null,
    string? RequestQueueUrl = null,
    Uri? SsmEndpoint = null,
    Uri? OrganizationsEndpoint = null)
{
    /// <summary>Reads and validates the settings; a missing or invalid one fails the start with a message naming it.</summary>
    public static ReplicatorSettings FromEnvironment(Func<string, string?> variable)
    {
        string Required(string name) => variable(name) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException($"Environment variable {name} is not set.");

        // A policy too large for the environment (hundreds of target accounts) is in a layer's file instead.
        var (policySource, policyJson) = variable(FunctionEnvironment.PolicyFile) is { Length: > 0 } file
            ? ($"{FunctionEnvironment.PolicyFile} ({file})", ReadPolicyFile(file))
            : (FunctionEnvironment.Policy, Required(FunctionEnvironment.Policy));
        ReplicationPolicy policy;
        try
        {
            policy = ReplicationPolicy.Parse(policyJson);
        }
        catch (PolicyException e)
        {
            throw new InvalidOperationException($"{policySource} is not a valid policy: {e.Message}", e);
        }

        return new ReplicatorSettings(
            Required(FunctionEnvironment.TableName),
            // A deployment made before copies named theirs is the default one, as its copies are.
            policy with { Deployment = variable(FunctionEnvironment.Deployment) is { Length: > 0 } deployment ? deployment : ProvenanceTags.DefaultDeployment },
            Required(FunctionEnvironment.AccountId),
            Required("AWS_REGION"),
            variable(FunctionEnvironment.Ec2Endpoint) is { Length: > 0 } ec2 ? new Uri(ec2) : null,
            variable(FunctionEnvironment.DynamoDbEndpoint) is { Length: > 0 } dynamo ? new Uri(dynamo) : null,
            variable(FunctionEnvironment.MetricsNamespace) is { Length: > 0 } metrics ? metrics : ReplicatorMetrics.Namespace,
            variable(FunctionEnvironment.DeadLetterQueueUrl) is { Length: > 0 } dlq ? dlq : null,
            variable(FunctionEnvironment.SqsEndpoint) is { Length: > 0 } sqs ? new Uri(sqs) : null,
            variable(FunctionEnvironment.RequestQueueUrl) is { Length: > 0 } requests ? requests : null,
            variable(FunctionEnvironment.SsmEndpoint) is { Length: > 0 } ssm ? new Uri(ssm) : null,
            variable(FunctionEnvironment.OrganizationsEndpoint) is { Length: > 0 } organizations ? new Uri(organizations) : null);
    }

    private static string ReadPolicyFile(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InvalidOperationException($"{FunctionEnvironment.PolicyFile} names {path}, which cannot be read: {e.Message}", e);
        }
    }
}
