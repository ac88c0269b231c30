using System.Text.RegularExpressions;

namespace AmiReplicator.Ec2Simulator.Model;

/// <summary>
/// Accounts, and who calls: a request is made by the account its credentials belong to. As moto does it, a static access key that
/// is a 12-digit number is that account's root, any other static key the default account's (or the principal named for it);
/// credentials AssumeRole issued are the role's session, in the role's account, until they expire. IAM is modelled as far as
/// AssumeRole's trust needs it: roles, their trust policies and the accounts' organizations.
/// </summary>
internal sealed partial class Ec2Cloud
{
    /// <summary>Longest session a role gives unless created with another maximum; also role chaining's cap.</summary>
    public static readonly TimeSpan DefaultSessionDuration = TimeSpan.FromHours(1);

    private static readonly TimeSpan MinSessionDuration = TimeSpan.FromMinutes(15);
    private static readonly TimeSpan MaxRoleSessionDuration = TimeSpan.FromHours(12);

    private readonly Dictionary<string, CallerIdentity> _staticKeys = new(StringComparer.Ordinal);
    private readonly Dictionary<string, SimSession> _sessions = new(StringComparer.Ordinal);
    private readonly Dictionary<string, SimRole> _roles = new(StringComparer.Ordinal);
    private readonly Dictionary<string, OrganizationMembership> _organizations = new(StringComparer.Ordinal);

    /// <summary>The caller behind the request's key, or the refusal of expired temporary credentials in the service's words.</summary>
    private CallerIdentity Identify(CallScope scope) =>
        _sessions.TryGetValue(scope.AccessKeyId, out var session) && Now >= session.Expiration
            ? throw ExpiredCredentials(scope.Service)
            : IdentityOf(scope.AccessKeyId);

    /// <summary>Whose key <paramref name="accessKeyId"/> is: a session's role, a named principal, an account's root, or the default account's.</summary>
    private CallerIdentity IdentityOf(string accessKeyId) =>
        _sessions.TryGetValue(accessKeyId, out var session) ? session.Identity
            : _staticKeys.TryGetValue(accessKeyId, out var named) ? named
            : IsAccountId(accessKeyId) ? CallerIdentity.Root(accessKeyId)
            : CallerIdentity.Root(DefaultAccountId);

    /// <summary>EC2 answers expired temporary credentials with RequestExpired (aws/aws-sdk-go-v2#1674, aws/aws-sdk-ruby#143), STS with
    /// ExpiredToken, HTTP 403 (boto/boto3#1431, jenkinsci/ec2-plugin#1008), the JSON services with ExpiredTokenException.</summary>
    private static Ec2Exception ExpiredCredentials(string service) => service switch
    {
        CallScope.Ec2 => new Ec2Exception("RequestExpired", "Request has expired."),
        CallScope.Sts => new Ec2Exception("ExpiredToken", "The security token included in the request is expired", 403),
        _ => new Ec2Exception("ExpiredTokenException", "The security token included in the request is expired"),
    };

    /// <summary>The account a request signed with <paramref name="accessKeyId"/> is made in (an expired session's too: its role's).</summary>
    public string AccountOfAccessKey(string accessKeyId) => Run(() => IdentityOf(accessKeyId).AccountId);

    public void NamePrincipal(string accessKeyId, string principalArn) =>
        Run(() => _staticKeys[accessKeyId] = CallerIdentity.FromPrincipalArn(principalArn, accessKeyId));

    public void JoinOrganization(string accountId, string organizationId, IReadOnlyList<string> organizationalUnitIds) => Run(() =>
    {
        RequireAccountId(accountId);
        if (!OrganizationIdPattern().IsMatch(organizationId))
        {
            throw new ArgumentException($"'{organizationId}' is not an organization id (o-...).", nameof(organizationId));
        }

        if (organizationalUnitIds.FirstOrDefault(id => !OrganizationalUnitIdPattern().IsMatch(id)) is { } bad)
        {
            throw new ArgumentException($"'{bad}' is not an OU id (ou-...).", nameof(organizationalUnitIds));
        }

        _organizations[accountId] = new OrganizationMembership(organizationId, [.. organizationalUnitIds]);
    });

    public string CreateRole(string accountId, string name, RoleTrust trust, TimeSpan maxSessionDuration) => Run(() =>
    {
        RequireAccountId(accountId);
        RequireAccountId(trust.TrustedAccountId);
        if (maxSessionDuration < DefaultSessionDuration || maxSessionDuration > MaxRoleSessionDuration)
        {
            throw new ArgumentOutOfRangeException(nameof(maxSessionDuration), "A role's maximum session duration is 1 to 12 hours.");
        }

        var arn = $"arn:aws:iam::{accountId}:role/{name}";
        _roles[arn] = new SimRole(arn, accountId, name[(name.LastIndexOf('/') + 1)..], trust, maxSessionDuration);
        return arn;
    });

    /// <summary>
    /// STS AssumeRole: the role must exist and its trust admit the caller (its account, <c>aws:PrincipalArn</c> patterns,
    /// <c>aws:PrincipalOrgID</c>); IAM answers AccessDenied alike when the role is missing. The session lasts DurationSeconds
    /// (default 1 h), at most the role's maximum, and at most 1 h when the caller is itself a role session (role chaining).
    /// </summary>
    public IssuedCredentials AssumeRole(CallerIdentity caller, string? roleArn, string? sessionName, int? durationSeconds) => Run(() =>
    {
        if (roleArn is null)
        {
            throw StsErrors.Validation("1 validation error detected: Value null at 'roleArn' failed to satisfy constraint: Member must not be null");
        }

        if (sessionName is null || !RoleSessionNamePattern().IsMatch(sessionName))
        {
            throw StsErrors.Validation(
                $"1 validation error detected: Value '{sessionName}' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]* and have length between 2 and 64");
        }

        var duration = TimeSpan.FromSeconds(durationSeconds ?? (int)DefaultSessionDuration.TotalSeconds);
        if (duration < MinSessionDuration || duration > MaxRoleSessionDuration)
        {
            throw StsErrors.Validation(
                $"1 validation error detected: Value '{durationSeconds}' at 'durationSeconds' failed to satisfy constraint: Member must have value between 900 and 43200");
        }

        if (!_roles.TryGetValue(roleArn, out var role) || !Trusts(role.Trust, caller))
        {
            throw StsErrors.AccessDenied(caller.Arn, roleArn);
        }

        if (caller.IsRoleSession && duration > DefaultSessionDuration)
        {
            // STS's wording (aws/eks-anywhere#9485, prowler-cloud/prowler#7721).
            throw StsErrors.Validation("The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.");
        }

        if (duration > role.MaxSessionDuration)
        {
            throw StsErrors.Validation("The requested DurationSeconds exceeds the MaxSessionDuration set for this role.");
        }

        var accessKeyId = IamIds.NewSessionAccessKeyId();
        var identity = new CallerIdentity(
            role.AccountId, $"arn:aws:sts::{role.AccountId}:assumed-role/{role.Name}/{sessionName}", role.Arn, $"{IamIds.RoleId(role.Arn)}:{sessionName}", IsRoleSession: true);
        var expiration = Now + duration;
        _sessions.Add(accessKeyId, new SimSession(identity, expiration));
        return new IssuedCredentials(accessKeyId, IamIds.NewSecret(40), IamIds.NewSecret(356), expiration, identity.Arn, identity.UserId);
    });

    /// <summary>A trust policy trusting an account's root, with the conditions a spoke role uses: the caller is of that account,
    /// its <c>aws:PrincipalArn</c> is ArnLike one of the patterns (when any), and its account is in the organization (when set).</summary>
    private bool Trusts(RoleTrust trust, CallerIdentity caller) =>
        caller.AccountId == trust.TrustedAccountId
        && (trust.PrincipalArnPatterns.Count == 0 || trust.PrincipalArnPatterns.Any(pattern => ArnLike(pattern, caller.PrincipalArn)))
        && (trust.PrincipalOrgId is null || MembershipOf(caller.AccountId)?.OrganizationId == trust.PrincipalOrgId);

    /// <summary>IAM's ArnLike: each of the six colon-separated parts matches its pattern part, with * and ? wildcards.</summary>
    private static bool ArnLike(string pattern, string arn)
    {
        var patternParts = pattern.Split(':', 6);
        var arnParts = arn.Split(':', 6);
        return patternParts.Length == 6 && arnParts.Length == 6
            && patternParts.Zip(arnParts).All(parts => WildcardMatches(parts.First, parts.Second));
    }

    private OrganizationMembership? MembershipOf(string accountId) => _organizations.GetValueOrDefault(accountId);

    private static bool IsAccountId(string value) => value.Length == 12 && value.All(char.IsAsciiDigit);

    private static void RequireAccountId(string accountId)
    {
        if (!IsAccountId(accountId))
        {
            throw new ArgumentException($"'{accountId}' is not an account id (12 digits).", nameof(accountId));
        }
    }

    [GeneratedRegex("^o-[a-z0-9]{10,32}$")]
    private static partial Regex OrganizationIdPattern();

    [GeneratedRegex("^ou-[a-z0-9]{4,32}-[a-z0-9]{8,32}$")]
    private static partial Regex OrganizationalUnitIdPattern();

    [GeneratedRegex(@"^[\w+=,.@-]{2,64}$")]
    private static partial Regex RoleSessionNamePattern();
}
