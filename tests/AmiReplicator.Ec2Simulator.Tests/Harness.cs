using Amazon.EC2;
using Amazon.EC2.Model;
using Amazon.Runtime;
using Microsoft.Extensions.Time.Testing;

namespace AmiReplicator.Ec2Simulator.Tests;

/// <summary>A simulator on a fake clock and real AWSSDK.EC2 clients for it, one per region, as the product sets them up.</summary>
public sealed class Harness : IAsyncDisposable
{
    public const string Source = "us-east-1";
    public const string Destination = "eu-west-1";
    public const string OtherAccount = "210987654321";

    /// <summary>An organization the tests place accounts in.</summary>
    public const string Organization = "o-a1b2c3d4e5";

    private readonly Dictionary<string, AmazonEC2Client> _clients = [];

    private Harness(Ec2Simulator simulator, FakeTimeProvider clock)
    {
        Simulator = simulator;
        Clock = clock;
    }

    public Ec2Simulator Simulator { get; }

    public FakeTimeProvider Clock { get; }

    public static async Task<Harness> StartAsync(Func<Ec2SimulatorOptions, Ec2SimulatorOptions>? configure = null)
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 11, 25, 10, 0, 0, TimeSpan.Zero));
        var options = new Ec2SimulatorOptions { Clock = clock };
        return new Harness(await Ec2Simulator.StartAsync(configure is null ? options : configure(options)), clock);
    }

    /// <summary>The product's client setup; no retries so each test sees EC2's first answer.</summary>
    public static AmazonEC2Client CreateClient(Uri endpoint, string region, int maxErrorRetry = 0) =>
        new(new BasicAWSCredentials("test", "test"), Config<AmazonEC2Config>(endpoint, region, maxErrorRetry));

    /// <summary>Any AWS client's configuration for the endpoint, signing for the region (the simulator reads it, and the service, from
    /// the SigV4 scope).</summary>
    public static TConfig Config<TConfig>(Uri endpoint, string region, int maxErrorRetry = 0)
        where TConfig : ClientConfig, new() =>
        new() { ServiceURL = endpoint.ToString(), AuthenticationRegion = region, MaxErrorRetry = maxErrorRetry };

    /// <summary>A client configuration for this simulator, without retries.</summary>
    public TConfig Config<TConfig>(string region)
        where TConfig : ClientConfig, new() => Config<TConfig>(Simulator.Endpoint, region);

    /// <summary>An EC2 client of another account: a 12-digit access key id is that account (moto's convention). The caller disposes it.</summary>
    public AmazonEC2Client ClientOf(string accountId, string region) =>
        new(new BasicAWSCredentials(accountId, "test"), Config<AmazonEC2Config>(region));

    public AmazonEC2Client Client(string region)
    {
        lock (_clients)
        {
            if (!_clients.TryGetValue(region, out var client))
            {
                _clients[region] = client = CreateClient(Simulator.Endpoint, region);
            }

            return client;
        }
    }

    public async Task<string> RegisterAsync(
        string region, string? name = null, Dictionary<string, string>? tags = null, bool encrypted = false, string? kmsKeyId = null)
    {
        var request = new RegisterImageRequest
        {
            Name = name ?? UniqueName("source"),
            Description = "golden image",
            RootDeviceName = "/dev/xvda",
            BlockDeviceMappings =
            [
                new BlockDeviceMapping
                {
                    DeviceName = "/dev/xvda",
                    Ebs = new EbsBlockDevice { VolumeSize = 8, Encrypted = encrypted ? true : null, KmsKeyId = kmsKeyId },
                },
            ],
        };
        if (tags is not null)
        {
            request.TagSpecifications = [new TagSpecification { ResourceType = ResourceType.Image, Tags = ToTags(tags) }];
        }

        return (await Client(region).RegisterImageAsync(request)).ImageId;
    }

    public async Task<string> CopyAsync(
        string sourceImageId, string destination = Destination, string source = Source, Action<CopyImageRequest>? configure = null)
    {
        var request = new CopyImageRequest
        {
            SourceRegion = source,
            SourceImageId = sourceImageId,
            Name = UniqueName("copy"),
        };
        configure?.Invoke(request);
        return (await Client(destination).CopyImageAsync(request)).ImageId;
    }

    public async Task<Image> DescribeAsync(string region, string imageId) =>
        Assert.Single((await Client(region).DescribeImagesAsync(new DescribeImagesRequest { ImageIds = [imageId] })).Images);

    public static string UniqueName(string prefix) => $"{prefix}-{Guid.NewGuid():N}";

    public static List<Tag> ToTags(Dictionary<string, string> tags) => [.. tags.Select(tag => new Tag(tag.Key, tag.Value))];

    public async ValueTask DisposeAsync()
    {
        foreach (var client in _clients.Values)
        {
            client.Dispose();
        }

        await Simulator.DisposeAsync();
    }
}
