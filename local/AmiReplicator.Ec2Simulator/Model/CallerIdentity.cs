namespace AmiReplicator.Ec2Simulator.Model;

/// <summary>
/// Who makes a request, as IAM sees it: the account, the ARN GetCallerIdentity answers (an assumed role's session ARN for a role
/// session), the ARN a trust policy's <c>aws:PrincipalArn</c> compares (the role's own ARN for a session) and GetCallerIdentity's
/// UserId. A role session assuming another role is role chaining.
/// </summary>
internal sealed record CallerIdentity(string AccountId, string Arn, string PrincipalArn, string UserId, bool IsRoleSession)
{
    /// <summary>The identity behind a static key: the account's root, an IAM user, or a role whose session the key is (as a Lambda
    /// function's execution-role credentials are, the key's id then naming the session).</summary>
    public static CallerIdentity FromPrincipalArn(string principalArn, string accessKeyId)
    {
        var parts = principalArn.Split(':', 6);
        if (parts is not ["arn", "aws", "iam", "", var account, var resource] || account.Length != 12 || !account.All(char.IsAsciiDigit))
        {
            throw new ArgumentException($"'{principalArn}' is not an IAM principal ARN (arn:aws:iam::<account>:root, :user/..., :role/...).", nameof(principalArn));
        }

        var name = resource[(resource.LastIndexOf('/') + 1)..];
        return resource switch
        {
            "root" => new CallerIdentity(account, principalArn, principalArn, account, IsRoleSession: false),
            _ when resource.StartsWith("user/", StringComparison.Ordinal) =>
                new CallerIdentity(account, principalArn, principalArn, IamIds.UserId(principalArn), IsRoleSession: false),
            _ when resource.StartsWith("role/", StringComparison.Ordinal) => new CallerIdentity(
                account, $"arn:aws:sts::{account}:assumed-role/{name}/{accessKeyId}", principalArn, $"{IamIds.RoleId(principalArn)}:{accessKeyId}", IsRoleSession: true),
            _ => throw new ArgumentException($"'{principalArn}' names neither the root, a user nor a role.", nameof(principalArn)),
        };
    }

    public static CallerIdentity Root(string accountId) => FromPrincipalArn($"arn:aws:iam::{accountId}:root", accountId);
}
