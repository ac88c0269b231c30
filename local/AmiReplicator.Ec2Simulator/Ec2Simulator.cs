using System.Collections.Concurrent;
using System.Net;
using AmiReplicator.Ec2Simulator.Api;
using AmiReplicator.Ec2Simulator.Model;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;

namespace AmiReplicator.Ec2Simulator;

/// <summary>
/// A multi-region, multi-account EC2 (AMI API), with KMS DescribeKey, Parameter Store's parameters and STS beside it (their
/// protocols on the same endpoint), on loopback. Point the real client at it with
/// <c>new AmazonEC2Client(new BasicAWSCredentials("test", "test"), new AmazonEC2Config { ServiceURL = Endpoint.ToString(), AuthenticationRegion = region })</c>:
/// the region, service and caller are read from the request's SigV4 credential scope. The access key id chooses the account, as
/// moto does: a 12-digit number is that account, any other static key the default account (<see cref="AccountId"/>), and
/// credentials STS AssumeRole issued are the role's account. Besides the API it offers seeding, fault injection and observations
/// for tests and the local run; the methods here act for the default account, <see cref="Account"/> for any account.
/// </summary>
public sealed class Ec2Simulator : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly Ec2Cloud _cloud;
    private readonly ConcurrentDictionary<string, SimulatedAccount> _accounts = new(StringComparer.Ordinal);

    private Ec2Simulator(WebApplication app, Ec2Cloud cloud, Uri endpoint)
    {
        _app = app;
        _cloud = cloud;
        Endpoint = endpoint;
        DefaultAccount = Account(cloud.DefaultAccountId);
    }

    /// <summary>The default account's bus: raised once per state change of one of its images, outside the simulator's lock, in
    /// order (the sender is <see cref="DefaultAccount"/>). Other accounts' events go to their own buses only.</summary>
    public event EventHandler<ImageStateChange>? ImageStateChanged
    {
        add => DefaultAccount.ImageStateChanged += value;
        remove => DefaultAccount.ImageStateChanged -= value;
    }

    public Uri Endpoint { get; }

    /// <summary>The default account: the one of every caller whose credentials name no other.</summary>
    public string AccountId => _cloud.DefaultAccountId;

    public SimulatedAccount DefaultAccount { get; }

    /// <summary>Starts Kestrel on 127.0.0.1 (the given port, or a free one).</summary>
    public static async Task<Ec2Simulator> StartAsync(Ec2SimulatorOptions? options = null)
    {
        options ??= new Ec2SimulatorOptions();
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        builder.Logging.ClearProviders();

        builder.WebHost.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, options.Port));
        var app = builder.Build();

        Ec2Simulator? simulator = null;
        var cloud = new Ec2Cloud(options, change => simulator?.Deliver(change));
        var endpoint = new Ec2QueryEndpoint(cloud);
        var kms = new KmsJsonEndpoint(cloud);
        var parameters = new SsmJsonEndpoint(cloud);
        var sts = new StsQueryEndpoint(cloud);
        app.Run(context => kms.Accepts(context) ? kms.HandleAsync(context)
            : parameters.Accepts(context) ? parameters.HandleAsync(context)
            : StsQueryEndpoint.Accepts(context) ? sts.HandleAsync(context)
            : endpoint.HandleAsync(context));
        await app.StartAsync();

        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        simulator = new Ec2Simulator(app, cloud, new Uri(address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal) + "/"));
        return simulator;
    }

    /// <summary>The account (12 digits) in-process: its organization, roles, keys, settings, instances and bus.</summary>
    public SimulatedAccount Account(string accountId) =>
        accountId.Length == 12 && accountId.All(char.IsAsciiDigit)
            ? _accounts.GetOrAdd(accountId, id => new SimulatedAccount(_cloud, id))
            : throw new ArgumentException($"'{accountId}' is not an account id (12 digits).", nameof(accountId));

    /// <summary>
    /// Requests signed with the static key <paramref name="accessKeyId"/> are made by <paramref name="principalArn"/>, in its account:
    /// arn:aws:iam::ACCOUNT:root, :user/NAME, or :role/NAME, the key then being a session of that role (as a Lambda function's
    /// execution-role credentials are, so AssumeRole with them is role chaining; the session is named after the key). Without this,
    /// a key is its account's root.
    /// </summary>
    public void NamePrincipal(string accessKeyId, string principalArn) => _cloud.NamePrincipal(accessKeyId, principalArn);

    /// <summary>The account whose credentials <paramref name="accessKeyId"/> is, as the simulator tells it for every request: a
    /// session AssumeRole issued is its role's account, a 12-digit static key that account, another static key the principal named
    /// for it or the default account.</summary>
    public string AccountOfAccessKey(string accessKeyId) => _cloud.AccountOfAccessKey(accessKeyId);

    // Seeding and settings.

    /// <summary>Places an image in a region as-is (the SeedImage record says what it can express, its owner included); returns its id.</summary>
    public string SeedImage(string region, SeedImage image) => _cloud.SeedImage(region, image);

    /// <summary>Creates a KMS key of the default account (see <see cref="SimulatedAccount.CreateKmsKey"/>); returns its ARN.</summary>
    public string CreateKmsKey(string region, string? alias = null) => DefaultAccount.CreateKmsKey(region, alias);

    /// <summary>The ARN of the default account's AWS managed EBS key ("alias/aws/ebs") in the region.</summary>
    public string DefaultEbsKeyArn(string region) => DefaultAccount.DefaultEbsKeyArn(region);

    /// <summary>Creates a KMS key of another account in <paramref name="region"/>; returns its ARN. Its key policy lets the default
    /// account use it (DescribeKey, and EC2 copying what it encrypts) only when <paramref name="sharedWithUs"/>.</summary>
    public string CreateForeignKmsKey(string region, string ownerAccountId, bool sharedWithUs)
    {
        var owner = Account(ownerAccountId);
        var key = owner.CreateKmsKey(region);
        if (sharedWithUs)
        {
            owner.AllowKeyUse(key, AccountId);
        }

        return key;
    }

    /// <summary>The default account's tag policy (see <see cref="SimulatedAccount.EnforceTagPolicy"/>).</summary>
    public void EnforceTagPolicy(string region, IReadOnlyDictionary<string, IReadOnlyList<string>?> required) =>
        DefaultAccount.EnforceTagPolicy(region, required);

    /// <summary>Block public access for AMIs in the default account: when on, adding Group=all answers OperationNotPermitted.</summary>
    public void SetImageBlockPublicAccess(string region, bool enabled) => DefaultAccount.SetImageBlockPublicAccess(region, enabled);

    public void SetRegionAccess(string region, RegionAccess access) => DefaultAccount.SetRegionAccess(region, access);

    // Faults.

    /// <summary>The next <paramref name="count"/> calls of <paramref name="action"/> in the region, by any account, answer the fault
    /// instead (SDK retries consume them too). KMS's, SSM's and STS's actions are named "kms:DescribeKey", "ssm:PutParameter",
    /// "sts:AssumeRole"; STS answers <see cref="ApiFault.Throttle"/> as Throttling (HTTP 400).</summary>
    public void InjectFault(string region, string action, int count, ApiFault fault = ApiFault.Throttle) =>
        _cloud.InjectFault(region, action, count, fault);

    /// <summary>The next <paramref name="count"/> copies into the region end failed with the reason (default: EC2's
    /// "Copy image failed with an internal error.").</summary>
    public void FailNextCopies(string destinationRegion, int count, StateReason? reason = null) =>
        _cloud.FailNextCopies(destinationRegion, count, reason ?? StateReason.CopyInternalError);

    /// <summary>Holds copy slots of the default account (see <see cref="SimulatedAccount.OccupyCopySlots"/>).</summary>
    public IDisposable OccupyCopySlots(string destinationRegion, int count, string? sourceRegion = null) =>
        DefaultAccount.OccupyCopySlots(destinationRegion, count, sourceRegion);

    /// <summary>A seeded pending image (not a copy) becomes available, as a pipeline's image does once baked.</summary>
    public void FinishPendingImage(string region, string imageId) => _cloud.FinishPendingImage(region, imageId);

    /// <summary>Deregisters any image, whoever owns it; a pending copy stops and frees its slot.</summary>
    public void DeregisterImage(string region, string imageId) => _cloud.ForceDeregister(region, imageId);

    /// <summary>Disables any available image, whoever owns it (its shares go, as EC2 does); disabling a disabled one changes nothing.</summary>
    public void DisableImage(string region, string imageId) => _cloud.ForceDisable(region, imageId);

    /// <summary>Enables any disabled image, whoever owns it; the shares DisableImage removed stay removed, as in EC2.</summary>
    public void EnableImage(string region, string imageId) => _cloud.ForceEnable(region, imageId);

    /// <summary>Enables deregistration protection on any image, whoever owns it.</summary>
    public void ProtectImage(string region, string imageId, bool withCooldown = false) => _cloud.ForceProtect(region, imageId, withCooldown);

    /// <summary>Sets (or with null withdraws) any image's deprecation time, whoever owns it.</summary>
    public void SetDeprecation(string region, string imageId, DateTimeOffset? deprecateAt) => _cloud.ForceDeprecation(region, imageId, deprecateAt);

    // What uses images: instances and launch templates of the default account (see SimulatedAccount for what each does).

    /// <inheritdoc cref="SimulatedAccount.LaunchInstance"/>
    public string LaunchInstance(string region, string imageId) => DefaultAccount.LaunchInstance(region, imageId);

    /// <inheritdoc cref="SimulatedAccount.TerminateInstance"/>
    public void TerminateInstance(string region, string instanceId) => DefaultAccount.TerminateInstance(region, instanceId);

    /// <inheritdoc cref="SimulatedAccount.CreateLaunchTemplate"/>
    public string CreateLaunchTemplate(string region, string? imageId, IReadOnlyDictionary<string, string>? tags = null, string? name = null) =>
        DefaultAccount.CreateLaunchTemplate(region, imageId, tags, name);

    /// <inheritdoc cref="SimulatedAccount.DeleteLaunchTemplate"/>
    public void DeleteLaunchTemplate(string region, string launchTemplateId) => DefaultAccount.DeleteLaunchTemplate(region, launchTemplateId);

    // Observations (each first applies the time elapsed on the clock).

    /// <summary>Every image the region holds, other accounts' and deregistered ones included, with the default account's tags.</summary>
    public IReadOnlyList<ImageInfo> Images(string region) => DefaultAccount.Images(region);

    public ImageInfo? FindImage(string region, string imageId) =>
        Images(region).FirstOrDefault(image => image.ImageId == imageId);

    public IReadOnlyList<SnapshotInfo> Snapshots(string region) => _cloud.Snapshots(region);

    /// <summary>The default account's copies started by CopyImage and still pending in the destination now.</summary>
    public int PendingCopies(string destinationRegion) => DefaultAccount.PendingCopies(destinationRegion);

    /// <summary>When the next pending copy (of any account, in any region) completes, or null when none is pending.</summary>
    public DateTimeOffset? NextCopyCompletion() => _cloud.NextCopyCompletion();

    /// <inheritdoc cref="SimulatedAccount.PeakPendingCopies(string)"/>
    public int PeakPendingCopies(string destinationRegion) => DefaultAccount.PeakPendingCopies(destinationRegion);

    /// <inheritdoc cref="SimulatedAccount.PeakPendingCopies(string, string)"/>
    public int PeakPendingCopies(string sourceRegion, string destinationRegion) => DefaultAccount.PeakPendingCopies(sourceRegion, destinationRegion);

    /// <inheritdoc cref="SimulatedAccount.FindParameter"/>
    public ParameterInfo? FindParameter(string region, string name) => DefaultAccount.FindParameter(region, name);

    /// <summary>aws:ec2:image writes SSM's check dropped, as "region name value: reason".</summary>
    public IReadOnlyList<string> DroppedParameterWrites() => _cloud.DroppedParameterWrites();

    /// <summary>Calls of an action received in a region, refused and faulted ones included (SSM's as "ssm:PutParameter").</summary>
    public int CallCount(string region, string action) => _cloud.CallCount(region, action);

    /// <summary>Errors answered in a region with the code, e.g. "ResourceLimitExceeded".</summary>
    public int ErrorCount(string region, string code) => _cloud.ErrorCount(region, code);

    /// <summary>Every "EC2 AMI State Change" delivered so far to the default account's buses, in emission order.</summary>
    public IReadOnlyList<ImageStateChange> StateChanges() => DefaultAccount.StateChanges();

    /// <summary>An event goes to the bus of the account that owns the image, and to the one its rules forward it to (<see cref="SimulatedAccount.ForwardCopyEventsTo"/>).</summary>
    private void Deliver(ImageStateChange change)
    {
        foreach (var accountId in new[] { change.AccountId, _cloud.ForwardedTo(change) }.OfType<string>())
        {
            if (_accounts.TryGetValue(accountId, out var account))
            {
                account.Deliver(change);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
