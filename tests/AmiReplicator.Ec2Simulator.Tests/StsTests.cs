using System.Net;
using Amazon.EC2;
using Amazon.EC2.Model;
using Amazon.KeyManagementService;
using Amazon.KeyManagementService.Model;
using Amazon.Runtime;
using Amazon.SecurityToken;
using Amazon.SecurityToken.Model;
using static AmiReplicator.Ec2Simulator.Tests.Harness;

namespace AmiReplicator.Ec2Simulator.Tests;

/// <summary>
/// STS beside EC2, through the real AmazonSecurityTokenServiceClient: who the caller is, AssumeRole into a spoke role checked
/// against its trust as IAM checks it (the trusted account, aws:PrincipalArn patterns, aws:PrincipalOrgID), role chaining's
/// one-hour cap, and credentials that expire on the simulator's clock.
/// </summary>
public sealed class StsTests
{
    private const string Spoke = OtherAccount;

    /// <summary>A static key standing for the hub's Lambda function: its execution role's credentials are a role session.</summary>
    private const string WorkerKey = "AKIAWORKERFUNCTION01";

    private const string WorkerRole = "AmiReplicator-Worker";

    [Fact]
    public async Task A_function_role_the_trust_admits_assumes_the_spoke_role_and_acts_as_the_spoke_account()
    {
        await using var h = await StartWithSpokeAsync();
        using var worker = Sts(h, new BasicAWSCredentials(WorkerKey, "secret"));

        var workerIdentity = await worker.GetCallerIdentityAsync(new GetCallerIdentityRequest());
        var assumed = await worker.AssumeRoleAsync(new AssumeRoleRequest { RoleArn = SpokeRole(), RoleSessionName = "amireplicator", DurationSeconds = 3600 });
        var session = new SessionAWSCredentials(assumed.Credentials.AccessKeyId, assumed.Credentials.SecretAccessKey, assumed.Credentials.SessionToken);
        using var asSpoke = Sts(h, session);
        var spokeIdentity = await asSpoke.GetCallerIdentityAsync(new GetCallerIdentityRequest());
        using var spokeEc2 = new AmazonEC2Client(session, h.Config<AmazonEC2Config>(Destination));
        var registered = (await spokeEc2.RegisterImageAsync(new RegisterImageRequest { Name = UniqueName("spoke"), RootDeviceName = "/dev/xvda" })).ImageId;

        Assert.Equal(
            (h.Simulator.AccountId, $"arn:aws:sts::{h.Simulator.AccountId}:assumed-role/{WorkerRole}/{WorkerKey}"),
            (workerIdentity.Account, workerIdentity.Arn));
        Assert.Equal(h.Clock.GetUtcNow().AddHours(1).UtcDateTime, assumed.Credentials.Expiration);
        Assert.Equal($"arn:aws:sts::{Spoke}:assumed-role/AmiReplicatorSpoke/amireplicator", assumed.AssumedRoleUser.Arn);
        Assert.Equal((Spoke, assumed.AssumedRoleUser.Arn), (spokeIdentity.Account, spokeIdentity.Arn));
        Assert.EndsWith(":amireplicator", spokeIdentity.UserId, StringComparison.Ordinal);
        Assert.Equal(Spoke, h.Simulator.FindImage(Destination, registered)!.OwnerId);
    }

    [Fact]
    public async Task AssumeRole_is_denied_as_IAM_denies_it_to_another_principal_another_organization_and_for_a_missing_role()
    {
        await using var h = await StartWithSpokeAsync();
        h.Simulator.NamePrincipal("AKIAOTHERFUNCTION001", $"arn:aws:iam::{h.Simulator.AccountId}:role/SomeoneElse");
        var orgOnly = h.Simulator.Account(Spoke).CreateRole("OrgOnly", new RoleTrust(h.Simulator.AccountId) { PrincipalOrgId = "o-zzzzzzzzzz" });
        using var someoneElse = Sts(h, new BasicAWSCredentials("AKIAOTHERFUNCTION001", "secret"));
        using var worker = Sts(h, new BasicAWSCredentials(WorkerKey, "secret"));
        using var fromSpoke = Sts(h, new BasicAWSCredentials(Spoke, "secret"));
        var missing = $"arn:aws:iam::{Spoke}:role/Missing";

        var byPattern = await DeniedAsync(someoneElse, SpokeRole());
        var byOrganization = await DeniedAsync(worker, orgOnly);
        var byAccount = await DeniedAsync(fromSpoke, SpokeRole());
        var noRole = await DeniedAsync(worker, missing);

        Assert.Equal($"User: arn:aws:sts::{h.Simulator.AccountId}:assumed-role/SomeoneElse/AKIAOTHERFUNCTION001 is not authorized to perform: sts:AssumeRole on resource: {SpokeRole()}", byPattern.Message);
        Assert.Contains(orgOnly, byOrganization.Message, StringComparison.Ordinal);
        Assert.StartsWith($"User: arn:aws:iam::{Spoke}:root is not authorized", byAccount.Message, StringComparison.Ordinal);
        Assert.Equal($"User: arn:aws:sts::{h.Simulator.AccountId}:assumed-role/{WorkerRole}/{WorkerKey} is not authorized to perform: sts:AssumeRole on resource: {missing}", noRole.Message);
        // Without its organization condition the same trust admits the worker: the org was what refused.
        h.Simulator.Account(Spoke).CreateRole("OrgOnly", new RoleTrust(h.Simulator.AccountId));
        await worker.AssumeRoleAsync(new AssumeRoleRequest { RoleArn = orgOnly, RoleSessionName = "amireplicator" });
    }

    [Fact]
    public async Task A_chained_session_is_capped_at_one_hour_while_a_static_key_may_ask_up_to_the_roles_maximum()
    {
        await using var h = await StartWithSpokeAsync();
        var anyoneOfTheHub = h.Simulator.Account(Spoke).CreateRole("Operator", new RoleTrust(h.Simulator.AccountId), maxSessionDuration: TimeSpan.FromHours(12));
        using var worker = Sts(h, new BasicAWSCredentials(WorkerKey, "secret"));
        using var person = Sts(h, new BasicAWSCredentials("test", "test"));
        AssumeRoleRequest TwoHours() => new() { RoleArn = anyoneOfTheHub, RoleSessionName = "amireplicator", DurationSeconds = 7200 };

        var chained = await Assert.ThrowsAsync<AmazonSecurityTokenServiceException>(() => worker.AssumeRoleAsync(TwoHours()));
        var fromRoot = await person.AssumeRoleAsync(TwoHours());

        Assert.Equal(("ValidationError", HttpStatusCode.BadRequest), (chained.ErrorCode, chained.StatusCode));
        Assert.Equal("The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.", chained.Message);
        Assert.Equal(h.Clock.GetUtcNow().AddHours(2).UtcDateTime, fromRoot.Credentials.Expiration);
    }

    [Fact]
    public async Task Expired_credentials_are_refused_by_EC2_STS_and_KMS_in_their_own_words()
    {
        await using var h = await StartWithSpokeAsync();
        using var worker = Sts(h, new BasicAWSCredentials(WorkerKey, "secret"));
        var assumed = (await worker.AssumeRoleAsync(new AssumeRoleRequest { RoleArn = SpokeRole(), RoleSessionName = "amireplicator", DurationSeconds = 900 })).Credentials;
        var session = new SessionAWSCredentials(assumed.AccessKeyId, assumed.SecretAccessKey, assumed.SessionToken);
        using var ec2 = new AmazonEC2Client(session, h.Config<AmazonEC2Config>(Destination));
        using var sts = Sts(h, session);
        using var kms = new AmazonKeyManagementServiceClient(session, h.Config<AmazonKeyManagementServiceConfig>(Destination));

        h.Clock.Advance(TimeSpan.FromSeconds(899));
        await ec2.DescribeImagesAsync(new DescribeImagesRequest { Owners = ["self"] });
        h.Clock.Advance(TimeSpan.FromSeconds(1));

        await Ec2Assert.ErrorAsync("RequestExpired", () => ec2.DescribeImagesAsync(new DescribeImagesRequest { Owners = ["self"] }));
        var stsRefusal = await Assert.ThrowsAsync<AmazonSecurityTokenServiceException>(() => sts.GetCallerIdentityAsync(new GetCallerIdentityRequest()));
        var kmsRefusal = await Assert.ThrowsAsync<AmazonKeyManagementServiceException>(() => kms.DescribeKeyAsync(new DescribeKeyRequest { KeyId = "alias/aws/ebs" }));
        Assert.Equal(("ExpiredToken", HttpStatusCode.Forbidden), (stsRefusal.ErrorCode, stsRefusal.StatusCode));
        Assert.Equal("ExpiredTokenException", kmsRefusal.ErrorCode);
    }

    [Fact]
    public async Task Injected_STS_throttling_answers_Throttling_and_then_passes()
    {
        await using var h = await StartWithSpokeAsync();
        h.Simulator.InjectFault(Source, "sts:AssumeRole", 1);
        using var worker = Sts(h, new BasicAWSCredentials(WorkerKey, "secret"));
        AssumeRoleRequest Request() => new() { RoleArn = SpokeRole(), RoleSessionName = "amireplicator" };

        var throttled = await Assert.ThrowsAsync<AmazonSecurityTokenServiceException>(() => worker.AssumeRoleAsync(Request()));
        await worker.AssumeRoleAsync(Request());

        Assert.Equal(("Throttling", HttpStatusCode.BadRequest), (throttled.ErrorCode, throttled.StatusCode));
        Assert.Equal((2, 1), (h.Simulator.CallCount(Source, "sts:AssumeRole"), h.Simulator.ErrorCount(Source, "Throttling")));
    }

    /// <summary>The hub (default account) and the spoke share an organization; the spoke's role trusts the hub's AmiReplicator-* roles
    /// in it; the worker key is the hub's function role.</summary>
    private static async Task<Harness> StartWithSpokeAsync()
    {
        var h = await Harness.StartAsync();
        h.Simulator.DefaultAccount.JoinOrganization(Organization);
        h.Simulator.Account(Spoke).JoinOrganization(Organization);
        h.Simulator.Account(Spoke).CreateRole("AmiReplicatorSpoke", new RoleTrust(h.Simulator.AccountId)
        {
            PrincipalArnPatterns = ["arn:aws:iam::*:role/AmiReplicator-*"],
            PrincipalOrgId = Organization,
        }, maxSessionDuration: TimeSpan.FromHours(12));
        h.Simulator.NamePrincipal(WorkerKey, $"arn:aws:iam::{h.Simulator.AccountId}:role/{WorkerRole}");
        return h;
    }

    private static string SpokeRole() => $"arn:aws:iam::{Spoke}:role/AmiReplicatorSpoke";

    private static AmazonSecurityTokenServiceClient Sts(Harness h, AWSCredentials credentials) =>
        new(credentials, h.Config<AmazonSecurityTokenServiceConfig>(Source));

    private static async Task<AmazonSecurityTokenServiceException> DeniedAsync(AmazonSecurityTokenServiceClient sts, string roleArn)
    {
        var denied = await Assert.ThrowsAsync<AmazonSecurityTokenServiceException>(
            () => sts.AssumeRoleAsync(new AssumeRoleRequest { RoleArn = roleArn, RoleSessionName = "amireplicator" }));
        Assert.Equal(("AccessDenied", HttpStatusCode.Forbidden), (denied.ErrorCode, denied.StatusCode));
        return denied;
    }
}
