namespace AmiReplicator.Contract;

/// <summary>The environment variables the stack sets on both functions (and the local run points at the local cloud).</summary>
public static class FunctionEnvironment
{
    public const string TableName = "AMIREPL_TABLE_NAME";
    public const string Policy = "AMIREPL_POLICY";

    /// <summary>
    /// Where the policy is instead when it does not fit in Lambda's 4 KB of environment (hundreds of target accounts): a file of a
    /// layer the stack attaches to both functions, read once at start.
    /// </summary>
    public const string PolicyFile = "AMIREPL_POLICY_FILE";

    /// <summary>The path <see cref="PolicyFile"/> names: Lambda extracts a layer under /opt.</summary>
    public const string PolicyLayerPath = "/opt/amireplicator/policy.json";
    public const string AccountId = "AMIREPL_ACCOUNT_ID";

    /// <summary>The deployment the functions belong to (the stack's prefix, or "default"): the copies they make name it.</summary>
    public const string Deployment = "AMIREPL_DEPLOYMENT";

    /// <summary>The CloudWatch namespace of the functions' metrics: one per deployment, so side-by-side deployments' alarms stay apart.</summary>
    public const string MetricsNamespace = "AMIREPL_METRICS_NAMESPACE";
    /// <summary>The poller's: the request queue, where the sweep sends what it found.</summary>
    public const string RequestQueueUrl = "AMIREPL_REQUEST_QUEUE_URL";

    /// <summary>The dispatcher's: the request queue's DLQ, where a message that can never succeed goes at once with its reason.</summary>
    public const string DeadLetterQueueUrl = "AMIREPL_DEAD_LETTER_QUEUE_URL";

    /// <summary>Only for the local cloud: an EC2 endpoint serving every region.</summary>
    public const string Ec2Endpoint = "AMIREPL_EC2_ENDPOINT";

    /// <summary>Only for the local cloud: an SSM endpoint serving every region (the latest-copy parameters).</summary>
    public const string SsmEndpoint = "AMIREPL_SSM_ENDPOINT";

    /// <summary>Only for the local cloud: a DynamoDB endpoint.</summary>
    public const string DynamoDbEndpoint = "AMIREPL_DYNAMODB_ENDPOINT";

    /// <summary>Only for the local cloud: an SQS endpoint.</summary>
    public const string SqsEndpoint = "AMIREPL_SQS_ENDPOINT";

    /// <summary>Only for the local cloud: an AWS Organizations endpoint (moto's), where the targets' organizational units are read.</summary>
    public const string OrganizationsEndpoint = "AMIREPL_ORGANIZATIONS_ENDPOINT";
}
