using Amazon.Runtime;
using AmiReplicator.Aws;
using AmiReplicator.Domain.Images;
using AmiReplicator.Ec2Simulator;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace AmiReplicator.Workflows.Tests;

/// <summary>
/// EC2 in a target account through its spoke role, as the AWS adapters do it against the simulator's STS and EC2: calls are the
/// target account's, the role is assumed once while its session lasts and again five minutes before its end, and a role the trust
/// does not admit is a refusal with STS's code.
/// </summary>
public sealed class TargetAccountImagesTests
{
    private const string Home = "us-east-1";
    private const string Region = "eu-west-1";
    private const string Target = "111111111111";
    private const string WorkerKey = "AKIAWORKERFUNCTION01";

    [Fact]
    public async Task Calls_are_the_target_accounts_and_the_role_is_assumed_once_while_its_session_lasts()
    {
        await using var world = await SpokeWorld.StartAsync();
        var own = world.Simulator.SeedImage(Region, new SeedImage { Name = "targets-own", OwnerId = Target });
        var homes = world.Simulator.SeedImage(Region, new SeedImage { Name = "home-unshared" });
        var target = world.Targets.In(Target, "AmiReplicatorSpoke");

        Assert.Equal(Target, (await target.DescribeImageAsync(Region, own, CancellationToken.None))?.OwnerId);
        Assert.Null(await target.DescribeImageAsync(Region, homes, CancellationToken.None));
        Assert.Equal(own, (await target.FindOwnImageByNameAsync(Region, "targets-own", CancellationToken.None))?.ImageId);
        Assert.Equal(1, world.Simulator.CallCount(Home, "sts:AssumeRole"));
        Assert.Same(target, world.Targets.In(Target, "AmiReplicatorSpoke"));
    }

    [Fact]
    public async Task A_session_within_five_minutes_of_its_end_is_not_used_the_role_is_assumed_again()
    {
        await using var world = await SpokeWorld.StartAsync();
        var own = world.Simulator.SeedImage(Region, new SeedImage { Name = "targets-own", OwnerId = Target });
        var target = world.Targets.In(Target, "AmiReplicatorSpoke");

        await target.DescribeImageAsync(Region, own, CancellationToken.None);
        world.Clock.Advance(TimeSpan.FromMinutes(54));
        await target.DescribeImageAsync(Region, own, CancellationToken.None);
        Assert.Equal(1, world.Simulator.CallCount(Home, "sts:AssumeRole"));
        world.Clock.Advance(TimeSpan.FromMinutes(1) + TimeSpan.FromSeconds(1));
        await target.DescribeImageAsync(Region, own, CancellationToken.None);

        Assert.Equal(2, world.Simulator.CallCount(Home, "sts:AssumeRole"));
    }

    [Fact]
    public async Task A_role_the_account_lacks_is_a_refusal_with_STSs_code_and_no_EC2_call_is_made()
    {
        await using var world = await SpokeWorld.StartAsync();
        var missing = world.Targets.In("222222222222", "AmiReplicatorSpoke");

        var refused = await Assert.ThrowsAsync<ImageServiceException>(() => missing.DescribeImageAsync(Region, "ami-0000000000000000a", CancellationToken.None));

        Assert.Equal((Ec2ErrorKind.Refused, "AccessDenied"), (refused.Kind, refused.Code));
        Assert.Equal(0, world.Simulator.CallCount(Region, "DescribeImages"));
    }

    /// <summary>A home account whose function (a role session) may assume the spoke role of <see cref="Target"/>, and the adapters it works through.</summary>
    private sealed class SpokeWorld(FakeTimeProvider clock, Ec2Simulator.Ec2Simulator simulator, AwsPorts ports) : IAsyncDisposable
    {
        public FakeTimeProvider Clock => clock;

        public Ec2Simulator.Ec2Simulator Simulator => simulator;

        public ITargetAccountImages Targets => ports.Ports.Targets!;

        public static async Task<SpokeWorld> StartAsync()
        {
            var clock = new FakeTimeProvider(new DateTimeOffset(2026, 11, 25, 8, 0, 0, TimeSpan.Zero));
            var simulator = await Ec2Simulator.Ec2Simulator.StartAsync(new Ec2SimulatorOptions { Clock = clock });
            simulator.NamePrincipal(WorkerKey, $"arn:aws:iam::{simulator.AccountId}:role/AmiReplicator-Poller");
            simulator.Account(Target).CreateRole("AmiReplicatorSpoke",
                new RoleTrust(simulator.AccountId) { PrincipalArnPatterns = [$"arn:aws:iam::{simulator.AccountId}:role/AmiReplicator-*"] });
            return new SpokeWorld(clock, simulator, new AwsPorts(Home, "unused", null, new AwsEndpoints(Ec2: simulator.Endpoint, Sts: simulator.Endpoint),
                new BasicAWSCredentials(WorkerKey, "secret"), NullLoggerFactory.Instance, clock));
        }

        public async ValueTask DisposeAsync()
        {
            ports.Dispose();
            await simulator.DisposeAsync();
        }
    }
}
