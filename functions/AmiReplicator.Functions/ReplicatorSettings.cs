using AmiReplicator.Domain.Policy;

namespace AmiReplicator.Functions;

/// <summary>What the functions are told by their environment (the stack sets these; the local run points the endpoints at the local cloud).</summary>
public sealed record ReplicatorSettings(
    string TableName,
    ReplicationPolicy Policy,
    string AccountId,
    string HomeRegion,
    Uri? Ec2Endpoint = null,
    Uri? DynamoDbEndpoint = null)
{
    public const string TableNameVariable = "AMIREPL_TABLE_NAME";
    public const string PolicyVariable = "AMIREPL_POLICY";
    public const string AccountIdVariable = "AMIREPL_ACCOUNT_ID";
    public const string Ec2EndpointVariable = "AMIREPL_EC2_ENDPOINT";
    public const string DynamoDbEndpointVariable = "AMIREPL_DYNAMODB_ENDPOINT";

    /// <summary>Reads and validates the settings; a missing or invalid one fails the start with a message naming it.</summary>
    public static ReplicatorSettings FromEnvironment(Func<string, string?> variable)
    {
        string Required(string name) => variable(name) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException($"Environment variable {name} is not set.");

        ReplicationPolicy policy;
        try
        {
            policy = ReplicationPolicy.Parse(Required(PolicyVariable));
        }
        catch (PolicyException e)
        {
            throw new InvalidOperationException($"{PolicyVariable} is not a valid policy: {e.Message}", e);
        }

        return new ReplicatorSettings(
            Required(TableNameVariable),
            policy,
            Required(AccountIdVariable),
            Required("AWS_REGION"),
            variable(Ec2EndpointVariable) is { Length: > 0 } ec2 ? new Uri(ec2) : null,
            variable(DynamoDbEndpointVariable) is { Length: > 0 } dynamo ? new Uri(dynamo) : null);
    }
}
