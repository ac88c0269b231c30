using AmiReplicator.Ec2Simulator.Model;

namespace AmiReplicator.Ec2Simulator;

/// <summary>
/// One account of the simulated cloud, in-process: what the API here does not take (its organization, IAM roles, KMS key policies,
/// instances and launch templates, settings) and what tests observe of it (its bus's events, its copies in flight). Requests reach
/// the account through credentials: an access key id that is its 12-digit id, a key named for one of its principals
/// (<see cref="Ec2Simulator.NamePrincipal"/>), or credentials AssumeRole issued for one of its roles.
/// </summary>
public sealed class SimulatedAccount
{
    private readonly Ec2Cloud _cloud;

    internal SimulatedAccount(Ec2Cloud cloud, string accountId)
    {
        _cloud = cloud;
        AccountId = accountId;
    }

    /// <summary>Raised once per "EC2 AMI State Change" of one of the account's images, delivered to the account's own bus (EC2 tells no
    /// other account), outside the simulator's lock, in order.</summary>
    public event EventHandler<ImageStateChange>? ImageStateChanged;

    public string AccountId { get; }

    // Identity: organization and roles.

    /// <summary>Places the account in an organization ("o-...") under the OUs from the root down ("ou-..."): launch permissions for the
    /// organization's or one of these OUs' ARNs share with it, and <see cref="RoleTrust.PrincipalOrgId"/> and key policies admit it.</summary>
    public void JoinOrganization(string organizationId, params IReadOnlyList<string> organizationalUnitIds) =>
        _cloud.JoinOrganization(AccountId, organizationId, organizationalUnitIds);

    /// <summary>Creates (or replaces) an IAM role of the account trusted as <paramref name="trust"/> says; returns its ARN
    /// (arn:aws:iam::ACCOUNT:role/NAME). Its sessions last at most <paramref name="maxSessionDuration"/> (1 h by default, up to 12 h).</summary>
    public string CreateRole(string name, RoleTrust trust, TimeSpan? maxSessionDuration = null) =>
        _cloud.CreateRole(AccountId, name, trust, maxSessionDuration ?? Ec2Cloud.DefaultSessionDuration);

    /// <summary>What the spoke stack's rule does: the account's AMIs' <c>available</c> and <c>failed</c> events also reach the default bus of
    /// <paramref name="homeAccountId"/> (its <see cref="StateChanges"/>), naming this account.</summary>
    public void ForwardCopyEventsTo(string homeAccountId) => _cloud.ForwardCopyEvents(AccountId, homeAccountId);

    // KMS.

    /// <summary>Creates a customer managed key of the account, usable in <paramref name="region"/> only; returns its ARN. The account
    /// names it by id, ARN, <paramref name="alias"/> ("alias/...") or alias ARN, other accounts by ARN once <see cref="AllowKeyUse"/>
    /// admits them. Each account has its own "alias/aws/ebs" in each region, which no other account can use.</summary>
    public string CreateKmsKey(string region, string? alias = null) => _cloud.CreateKmsKey(AccountId, region, alias);

    /// <summary>Adds to the key policy of one of the account's customer managed keys an account ("123456789012") or an organization
    /// ("o-...") that may use it: DescribeKey it, and have EC2 decrypt what it encrypts when copying.</summary>
    public void AllowKeyUse(string keyArn, string accountOrOrganizationId) => _cloud.AllowKeyUse(AccountId, keyArn, accountOrOrganizationId);

    /// <summary>The ARN of the account's AWS managed EBS key ("alias/aws/ebs") in the region.</summary>
    public string DefaultEbsKeyArn(string region) => _cloud.DefaultKmsKeyArn(AccountId, region);

    // Settings.

    public void SetRegionAccess(string region, RegionAccess access) => _cloud.SetRegionAccess(AccountId, region, access);

    /// <summary>Block public access for AMIs: when on, adding Group=all answers OperationNotPermitted.</summary>
    public void SetImageBlockPublicAccess(string region, bool enabled) => _cloud.SetImageBlockPublicAccess(AccountId, region, enabled);

    /// <summary>
    /// The account's Allowed AMIs setting in the region, as a person (or, with <paramref name="byDeclarativePolicy"/>, an Organizations
    /// declarative policy, which the account's own calls then cannot change) sets it: <paramref name="state"/> "enabled", "audit-mode" or
    /// "disabled". Where enabled, DescribeImages returns and RunInstances (<see cref="LaunchInstance"/>) launches only images the account owns
    /// or a criterion admits.
    /// </summary>
    public void SetAllowedImages(string region, string state, IReadOnlyList<AllowedImagesCriterion> criteria, bool byDeclarativePolicy = false) =>
        _cloud.SetAllowedImages(AccountId, region, new AllowedImagesSetting(state, criteria, byDeclarativePolicy ? "declarative-policy" : "account"));

    /// <summary>An Organizations tag policy enforced on create in the region: CopyImage must carry each key (with an allowed value, when
    /// values are given) in its TagSpecifications for the image and for its snapshots, else it answers TagPolicyViolation.</summary>
    public void EnforceTagPolicy(string region, IReadOnlyDictionary<string, IReadOnlyList<string>?> required) =>
        _cloud.EnforceTagPolicy(AccountId, region, required);

    /// <summary>Holds copy slots of the account in a destination as its other tools would (counted by the limits, also against
    /// <paramref name="sourceRegion"/>'s sub-limit when given) until disposed.</summary>
    public IDisposable OccupyCopySlots(string destinationRegion, int count, string? sourceRegion = null) =>
        _cloud.OccupyCopySlots(AccountId, destinationRegion, count, sourceRegion);

    // What uses images: the account's instances and launch templates (DescribeImageReferences lists them).

    /// <summary>
    /// Launches an instance of the account from the image, as RunInstances would; answers its id ("i-..."). The image's last launched
    /// time (DescribeImageAttribute lastLaunchedTime) becomes the clock's now at once, where EC2 shows it about a day later.
    /// </summary>
    /// <exception cref="Ec2RefusedException">As RunInstances refuses: the id is malformed or unknown (InvalidAMIID.Malformed,
    /// InvalidAMIID.NotFound), the image is deregistered or pending (InvalidAMIID.Unavailable), the account does not see it
    /// (AuthFailure), or it is disabled or failed (IncorrectState).</exception>
    public string LaunchInstance(string region, string imageId) => Refusing(() => _cloud.LaunchInstance(AccountId, region, imageId));

    /// <summary>Terminates the instance: it no longer references its image.</summary>
    /// <exception cref="Ec2RefusedException">InvalidInstanceID.NotFound for an instance that does not exist (or is terminated).</exception>
    public void TerminateInstance(string region, string instanceId) => Refusing(() =>
    {
        _cloud.TerminateInstance(AccountId, region, instanceId);
        return true;
    });

    /// <summary>
    /// Creates a launch template of the account whose version 1 launches the image (an AMI id, a <c>resolve:ssm:</c> parameter, or null
    /// for none), with the tags, as CreateLaunchTemplate does; answers its id ("lt-..."). As in EC2, the image is not checked until an
    /// instance is launched from the template: it may be disabled, deregistered or another account's.
    /// </summary>
    /// <param name="name">Unique in the account and region; by default one made up.</param>
    /// <exception cref="Ec2RefusedException">As CreateLaunchTemplate refuses: a name taken or malformed, an aws: tag.</exception>
    public string CreateLaunchTemplate(string region, string? imageId, IReadOnlyDictionary<string, string>? tags = null, string? name = null) => Refusing(() =>
        _cloud.CreateLaunchTemplate(AccountId, region, new CreateLaunchTemplateInput(
            name ?? $"template-{System.Security.Cryptography.RandomNumberGenerator.GetHexString(8, lowercase: true)}",
            imageId,
            tags is null ? [] : [new TagSpecificationInput("launch-template", [.. tags])])).Id);

    /// <summary>A person's CreateLaunchTemplateVersion: the latest version with the image changed; answers the new version's number.</summary>
    /// <exception cref="Ec2RefusedException">As EC2 refuses: the template does not exist, or has its 10,000 versions.</exception>
    public long CreateLaunchTemplateVersion(string region, string launchTemplateId, string? imageId) => Refusing(() =>
        _cloud.CreateLaunchTemplateVersion(AccountId, region, new CreateLaunchTemplateVersionInput(launchTemplateId, null, "$Latest", imageId, null)).Version);

    /// <summary>The account's launch templates in the region as they are now: versions, default, tags.</summary>
    public IReadOnlyList<SimulatedLaunchTemplate> LaunchTemplates(string region) => _cloud.LaunchTemplates(AccountId, region);

    /// <summary>Deletes the launch template with all its versions: it no longer references their images.</summary>
    /// <exception cref="Ec2RefusedException">InvalidLaunchTemplateId.NotFound for a template that does not exist.</exception>
    public void DeleteLaunchTemplate(string region, string launchTemplateId) => Refusing(() =>
    {
        _cloud.DeleteLaunchTemplate(AccountId, region, launchTemplateId);
        return true;
    });

    // Observations (each first applies the time elapsed on the clock).

    /// <summary>Every image the region holds, other accounts' and deregistered ones included, with the tags this account sees.</summary>
    public IReadOnlyList<ImageInfo> Images(string region) => _cloud.Images(AccountId, region);

    /// <summary>The account's copies started by CopyImage and still pending in the destination now.</summary>
    public int PendingCopies(string destinationRegion) => _cloud.PendingCopyCount(AccountId, destinationRegion);

    /// <summary>Most of the account's copies ever pending at once into the destination (CopyImage copies only, not occupied slots).</summary>
    public int PeakPendingCopies(string destinationRegion) => _cloud.PeakPendingCopies(AccountId, destinationRegion);

    /// <summary>Most of the account's copies ever pending at once from <paramref name="sourceRegion"/> into the destination.</summary>
    public int PeakPendingCopies(string sourceRegion, string destinationRegion) =>
        _cloud.PeakPendingCopies(AccountId, sourceRegion, destinationRegion);

    /// <summary>The account's SSM parameter as it is now (an aws:ec2:image write counts once its check is done), or null.</summary>
    public ParameterInfo? FindParameter(string region, string name) => _cloud.FindParameter(AccountId, region, name);

    /// <summary>Every "EC2 AMI State Change" delivered so far to the account's buses, in emission order: its own AMIs', and those other
    /// accounts forward to it.</summary>
    public IReadOnlyList<ImageStateChange> StateChanges() => _cloud.StateChanges(AccountId);

    internal void Deliver(ImageStateChange change) => ImageStateChanged?.Invoke(this, change);

    /// <summary>EC2's refusals of an in-process action, as the public exception.</summary>
    private static T Refusing<T>(Func<T> action)
    {
        try
        {
            return action();
        }
        catch (Ec2Exception refusal)
        {
            throw new Ec2RefusedException(refusal.Code, refusal.Message, refusal);
        }
    }
}
