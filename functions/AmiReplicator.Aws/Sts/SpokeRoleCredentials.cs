using Amazon.Runtime;
using Amazon.SecurityToken;
using Amazon.SecurityToken.Model;

namespace AmiReplicator.Aws.Sts;

/// <summary>
/// The credentials of one target account's spoke role, assumed with the functions' own and kept until five minutes before they
/// expire, then assumed again. A Lambda function's credentials are a role session, so assuming another role is role chaining, which
/// STS caps at one hour: that is the duration asked for.
/// </summary>
internal sealed class SpokeRoleCredentials : RefreshingAWSCredentials
{
    public static readonly TimeSpan SessionDuration = TimeSpan.FromHours(1);

    /// <summary>The session name the target account's CloudTrail shows for every call the replicator makes there.</summary>
    public const string SessionName = "amireplicator";

    private readonly IAmazonSecurityTokenService _sts;
    private readonly string _roleArn;

    public SpokeRoleCredentials(IAmazonSecurityTokenService sts, string roleArn)
    {
        _sts = sts;
        _roleArn = roleArn;
        PreemptExpiryTime = TimeSpan.FromMinutes(5);
    }

    protected override CredentialsRefreshState GenerateNewCredentials() => GenerateNewCredentialsAsync().GetAwaiter().GetResult();

    protected override async Task<CredentialsRefreshState> GenerateNewCredentialsAsync()
    {
        var response = await _sts.AssumeRoleAsync(new AssumeRoleRequest
        {
            RoleArn = _roleArn,
            RoleSessionName = SessionName,
            DurationSeconds = (int)SessionDuration.TotalSeconds,
        });
        var issued = response.Credentials;
        return new CredentialsRefreshState(
            new ImmutableCredentials(issued.AccessKeyId, issued.SecretAccessKey, issued.SessionToken),
            issued.Expiration?.ToUniversalTime() ?? DateTime.UtcNow.Add(SessionDuration));
    }
}
