using Amazon.Runtime;
using Amazon.SecurityToken;
using Amazon.SecurityToken.Model;

namespace AmiReplicator.Aws.Sts;

/// <summary>
/// The credentials of one target account's spoke role, assumed with the functions' own and kept until five minutes before they
/// expire (by the replicator's clock), then assumed again. A Lambda function's credentials are a role session, so assuming another
/// role is role chaining, which STS caps at one hour: that is the duration asked for.
/// </summary>
internal sealed class SpokeRoleCredentials(IAmazonSecurityTokenService sts, string roleArn, TimeProvider clock) : AWSCredentials
{
    public static readonly TimeSpan SessionDuration = TimeSpan.FromHours(1);
    public static readonly TimeSpan RenewBefore = TimeSpan.FromMinutes(5);

    /// <summary>The session name the target account's CloudTrail shows for every call the replicator makes there.</summary>
    public const string SessionName = "amireplicator";

    private readonly Lock _gate = new();
    private Task<Session>? _session;

    public override ImmutableCredentials GetCredentials() => GetCredentialsAsync().GetAwaiter().GetResult();

    public override async Task<ImmutableCredentials> GetCredentialsAsync()
    {
        Task<Session> session;
        lock (_gate)
        {
            // One AssumeRole at a time per role: concurrent calls share it instead of each asking STS (its rate cannot be raised).
            // A session near its end, or an AssumeRole that failed, is asked for again.
            if (_session is null || (_session.IsCompleted && (!_session.IsCompletedSuccessfully || !Usable(_session.Result))))
            {
                _session = AssumeAsync();
            }

            session = _session;
        }

        return (await session).Credentials;
    }

    private bool Usable(Session session) => clock.GetUtcNow() < session.Expiration - RenewBefore;

    private async Task<Session> AssumeAsync()
    {
        var issued = (await sts.AssumeRoleAsync(new AssumeRoleRequest
        {
            RoleArn = roleArn,
            RoleSessionName = SessionName,
            DurationSeconds = (int)SessionDuration.TotalSeconds,
        })).Credentials;
        var expiration = issued.Expiration is { } at ? new DateTimeOffset(DateTime.SpecifyKind(at, DateTimeKind.Utc)) : clock.GetUtcNow() + SessionDuration;
        return new Session(new ImmutableCredentials(issued.AccessKeyId, issued.SecretAccessKey, issued.SessionToken), expiration);
    }

    private sealed record Session(ImmutableCredentials Credentials, DateTimeOffset Expiration);
}
