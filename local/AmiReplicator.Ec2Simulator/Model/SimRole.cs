namespace AmiReplicator.Ec2Simulator.Model;

/// <summary>An IAM role: its ARN, its trust policy and how long its sessions may last.</summary>
internal sealed record SimRole(string Arn, string AccountId, string Name, RoleTrust Trust, TimeSpan MaxSessionDuration);

/// <summary>Temporary credentials AssumeRole issued: who they are and until when they work.</summary>
internal sealed record SimSession(CallerIdentity Identity, DateTimeOffset Expiration);

/// <summary>What AssumeRole answers: the session's credentials and who they are.</summary>
internal sealed record IssuedCredentials(
    string AccessKeyId, string SecretAccessKey, string SessionToken, DateTimeOffset Expiration, string AssumedRoleArn, string AssumedRoleId);

internal static class StsErrors
{
    public static Ec2Exception Throttling() => new("Throttling", "Rate exceeded");

    public static Ec2Exception Validation(string message) => new("ValidationError", message);

    public static Ec2Exception AccessDenied(string callerArn, string roleArn) =>
        new("AccessDenied", $"User: {callerArn} is not authorized to perform: sts:AssumeRole on resource: {roleArn}", 403);
}
