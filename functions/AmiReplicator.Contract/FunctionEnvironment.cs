namespace AmiReplicator.Contract;

/// <summary>The environment variables the stack sets on both functions (and the local run points at the local cloud).</summary>
public static class FunctionEnvironment
{
    public const string TableName = "AMIREPL_TABLE_NAME";
    public const string Policy = "AMIREPL_POLICY";
    public const string AccountId = "AMIREPL_ACCOUNT_ID";

    /// <summary>The CloudWatch namespace of the functions' metrics: one per deployment, so side-by-side deployments' alarms stay apart.</summary>
    public const string MetricsNamespace = "AMIREPL_METRICS_NAMESPACE";

    /// <summary>Only for the local cloud: an EC2 endpoint serving every region.</summary>
    public const string Ec2Endpoint = "AMIREPL_EC2_ENDPOINT";

    /// <summary>Only for the local cloud: a DynamoDB endpoint.</summary>
    public const string DynamoDbEndpoint = "AMIREPL_DYNAMODB_ENDPOINT";
}
