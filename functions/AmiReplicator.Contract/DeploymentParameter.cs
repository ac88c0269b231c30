namespace AmiReplicator.Contract;

/// <summary>
/// The SSM parameter the stack writes in the home region so that the operator CLI finds the deployment by itself: a JSON
/// object with the table, the request queue, the home region, the account and the policy the functions run with. The functions never
/// read it; reading it (ssm:GetParameter) is the operator's permission.
/// </summary>
public static class DeploymentParameter
{
    public const string DefaultName = "/AmiReplicator/deployment";

    /// <summary>The parameter of a deployment: one per stack prefix, so two deployments in one account and region do not collide.</summary>
    public static string NameFor(string? stackPrefix) => stackPrefix is null ? DefaultName : $"/AmiReplicator/{stackPrefix}/deployment";

    public const string TableName = "tableName";
    public const string RequestQueueUrl = "requestQueueUrl";
    public const string HomeRegion = "homeRegion";

    /// <summary>The account the stack is deployed in: whose AMIs the policy's owner "self" means.</summary>
    public const string AccountId = "accountId";

    /// <summary>The deployment's name, which its copies carry: the stack's prefix, or "default" (absent: written before it was kept, "default").</summary>
    public const string Deployment = "deployment";

    /// <summary>The policy as the functions get it (compact JSON), as a string.</summary>
    public const string Policy = "policy";
}
