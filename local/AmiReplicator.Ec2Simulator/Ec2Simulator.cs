using System.Net;
using AmiReplicator.Ec2Simulator.Api;
using AmiReplicator.Ec2Simulator.Model;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;

namespace AmiReplicator.Ec2Simulator;

/// <summary>
/// A multi-region EC2 (AMI API), with KMS DescribeKey and Parameter Store's parameters beside it (their JSON protocols on the same endpoint), on loopback. Point the real client at it with
/// <c>new AmazonEC2Client(new BasicAWSCredentials("test", "test"), new AmazonEC2Config { ServiceURL = Endpoint.ToString(), AuthenticationRegion = region })</c>:
/// the region is read from the request's SigV4 credential scope. Besides the API it offers seeding,
/// fault injection and observations for tests and the local run.
/// </summary>
public sealed class Ec2Simulator : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly Ec2Cloud _cloud;

    private Ec2Simulator(WebApplication app, Ec2Cloud cloud, Uri endpoint)
    {
        _app = app;
        _cloud = cloud;
        Endpoint = endpoint;
    }

    /// <summary>Raised once per state change of one of our images, outside the simulator's lock, in order.</summary>
    public event EventHandler<ImageStateChange>? ImageStateChanged;

    public Uri Endpoint { get; }

    /// <summary>The caller's own account (every request is made by it).</summary>
    public string AccountId => _cloud.AccountId;

    /// <summary>Starts Kestrel on 127.0.0.1 (the given port, or a free one).</summary>
    public static async Task<Ec2Simulator> StartAsync(Ec2SimulatorOptions? options = null)
    {
        options ??= new Ec2SimulatorOptions();
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        builder.Logging.ClearProviders();

        builder.WebHost.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, options.Port));
        var app = builder.Build();

        Ec2Simulator? simulator = null;
        var cloud = new Ec2Cloud(options, change => simulator?.ImageStateChanged?.Invoke(simulator, change));
        var endpoint = new Ec2QueryEndpoint(cloud);
        var kms = new KmsJsonEndpoint(cloud);
        var parameters = new SsmJsonEndpoint(cloud);
        app.Run(context => kms.Accepts(context) ? kms.HandleAsync(context)
            : parameters.Accepts(context) ? parameters.HandleAsync(context)
            : endpoint.HandleAsync(context));
        await app.StartAsync();

        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        simulator = new Ec2Simulator(app, cloud, new Uri(address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal) + "/"));
        return simulator;
    }

    // Seeding and settings.

    /// <summary>Places an image in a region as-is (the SeedImage record says what it can express); returns its id.</summary>
    public string SeedImage(string region, SeedImage image) => _cloud.SeedImage(region, image);

    /// <summary>Creates a KMS key usable in <paramref name="region"/> only; returns its ARN. It can be named by
    /// id, ARN, <paramref name="alias"/> ("alias/...") or alias ARN. "alias/aws/ebs" always exists.</summary>
    public string CreateKmsKey(string region, string? alias = null) => _cloud.CreateKmsKey(region, alias);

    /// <summary>The ARN of the region's AWS managed EBS key ("alias/aws/ebs").</summary>
    public string DefaultEbsKeyArn(string region) => _cloud.DefaultKmsKeyArn(region);

    /// <summary>Creates a KMS key of another account in <paramref name="region"/>; returns its ARN. Its key policy lets our account
    /// use it (DescribeKey, and EC2 copying what it encrypts) only when <paramref name="sharedWithUs"/>.</summary>
    public string CreateForeignKmsKey(string region, string ownerAccountId, bool sharedWithUs) =>
        _cloud.CreateForeignKmsKey(region, ownerAccountId, sharedWithUs);

    /// <summary>An Organizations tag policy enforced on create in the region: CopyImage must carry each key (with an allowed value, when
    /// values are given) in its TagSpecifications for the image and for its snapshots, else it answers TagPolicyViolation.</summary>
    public void EnforceTagPolicy(string region, IReadOnlyDictionary<string, IReadOnlyList<string>?> required) => _cloud.EnforceTagPolicy(region, required);

    /// <summary>Block public access for AMIs: when on, adding Group=all answers OperationNotPermitted.</summary>
    public void SetImageBlockPublicAccess(string region, bool enabled) => _cloud.SetImageBlockPublicAccess(region, enabled);

    public void SetRegionAccess(string region, RegionAccess access) => _cloud.SetRegionAccess(region, access);

    // Faults.

    /// <summary>The next <paramref name="count"/> calls of <paramref name="action"/> in the region answer the fault
    /// instead (SDK retries consume them too).</summary>
    public void InjectFault(string region, string action, int count, ApiFault fault = ApiFault.Throttle) =>
        _cloud.InjectFault(region, action, count, fault);

    /// <summary>The next <paramref name="count"/> copies into the region end failed with the reason (default: EC2's
    /// "Copy image failed with an internal error.").</summary>
    public void FailNextCopies(string destinationRegion, int count, StateReason? reason = null) =>
        _cloud.FailNextCopies(destinationRegion, count, reason ?? StateReason.CopyInternalError);

    /// <summary>Holds copy slots in a destination as the account's other tools would (counted by the limits,
    /// also against <paramref name="sourceRegion"/>'s sub-limit when given) until disposed.</summary>
    public IDisposable OccupyCopySlots(string destinationRegion, int count, string? sourceRegion = null) =>
        _cloud.OccupyCopySlots(destinationRegion, count, sourceRegion);

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

    // What uses images: instances and launch templates of our account (DescribeImageReferences lists them).

    /// <summary>
    /// Launches an instance of our account from the image, as RunInstances would; answers its id ("i-..."). The image's last launched
    /// time (DescribeImageAttribute lastLaunchedTime) becomes the clock's now at once, where EC2 shows it about a day later.
    /// </summary>
    /// <exception cref="Ec2RefusedException">As RunInstances refuses: the id is malformed or unknown (InvalidAMIID.Malformed,
    /// InvalidAMIID.NotFound), the image is deregistered or pending (InvalidAMIID.Unavailable), our account does not see it
    /// (AuthFailure), or it is disabled or failed (IncorrectState).</exception>
    public string LaunchInstance(string region, string imageId) => Refusing(() => _cloud.LaunchInstance(region, imageId));

    /// <summary>Terminates the instance: it no longer references its image.</summary>
    /// <exception cref="Ec2RefusedException">InvalidInstanceID.NotFound for an instance that does not exist (or is terminated).</exception>
    public void TerminateInstance(string region, string instanceId) => Refusing(() =>
    {
        _cloud.TerminateInstance(region, instanceId);
        return true;
    });

    /// <summary>
    /// Creates a launch template of our account whose version (1, its only one) launches the image; answers its id ("lt-..."). As in
    /// EC2, the image is not checked until an instance is launched from the template: it may be disabled, deregistered or another
    /// account's.
    /// </summary>
    public string CreateLaunchTemplate(string region, string imageId) => _cloud.CreateLaunchTemplate(region, imageId);

    /// <summary>Deletes the launch template with all its versions: it no longer references their images.</summary>
    /// <exception cref="Ec2RefusedException">InvalidLaunchTemplateId.NotFound for a template that does not exist.</exception>
    public void DeleteLaunchTemplate(string region, string launchTemplateId) => Refusing(() =>
    {
        _cloud.DeleteLaunchTemplate(region, launchTemplateId);
        return true;
    });

    // Observations (each first applies the time elapsed on the clock).

    /// <summary>Every image the region holds, other accounts' and deregistered ones included.</summary>
    public IReadOnlyList<ImageInfo> Images(string region) => _cloud.Images(region);

    public ImageInfo? FindImage(string region, string imageId) =>
        _cloud.Images(region).FirstOrDefault(image => image.ImageId == imageId);

    public IReadOnlyList<SnapshotInfo> Snapshots(string region) => _cloud.Snapshots(region);

    /// <summary>Copies started by CopyImage and still pending in the destination now.</summary>
    public int PendingCopies(string destinationRegion) => _cloud.PendingCopyCount(destinationRegion);

    /// <summary>Most copies ever pending at once into the destination (CopyImage copies only, not occupied slots).</summary>
    public int PeakPendingCopies(string destinationRegion) => _cloud.PeakPendingCopies(destinationRegion);

    /// <summary>Most copies ever pending at once from <paramref name="sourceRegion"/> into the destination.</summary>
    public int PeakPendingCopies(string sourceRegion, string destinationRegion) =>
        _cloud.PeakPendingCopies(sourceRegion, destinationRegion);

    /// <summary>The SSM parameter as it is now (an aws:ec2:image write counts once its check is done), or null.</summary>
    public ParameterInfo? FindParameter(string region, string name) => _cloud.FindParameter(region, name);

    /// <summary>aws:ec2:image writes SSM's check dropped, as "region name value: reason".</summary>
    public IReadOnlyList<string> DroppedParameterWrites() => _cloud.DroppedParameterWrites();

    /// <summary>Calls of an action received in a region, refused and faulted ones included (SSM's as "ssm:PutParameter").</summary>
    public int CallCount(string region, string action) => _cloud.CallCount(region, action);

    /// <summary>Errors answered in a region with the code, e.g. "ResourceLimitExceeded".</summary>
    public int ErrorCount(string region, string code) => _cloud.ErrorCount(region, code);

    /// <summary>Every "EC2 AMI State Change" emitted so far, in emission order.</summary>
    public IReadOnlyList<ImageStateChange> StateChanges() => _cloud.StateChanges();

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

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
