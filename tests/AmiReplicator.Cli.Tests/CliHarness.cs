using System.Text.Json;
using System.Text.Json.Nodes;
using AmiReplicator.Cli;
using AmiReplicator.Ec2Simulator;
using AmiReplicator.LocalCloud;

namespace AmiReplicator.Cli.Tests;

/// <summary>One DynamoDB Local and one moto for the whole test assembly (or the ones tools/test.sh started).</summary>
public sealed class LocalCloudFixture : IAsyncLifetime
{
    private LocalCloudServers? _servers;

    public LocalCloudServers Servers => _servers ?? throw new InvalidOperationException("Not started.");

    public async Task InitializeAsync() => _servers = await LocalCloudServers.StartAsync();

    public async Task DisposeAsync()
    {
        if (_servers is not null)
        {
            await _servers.DisposeAsync();
        }
    }
}

[CollectionDefinition(Name)]
public sealed class LocalCloudCollection : ICollectionFixture<LocalCloudFixture>
{
    public const string Name = "local cloud";
}

/// <summary>What one run of `amirepl` printed and exited with.</summary>
internal sealed record CliResult(int ExitCode, string Output, string Error)
{
    public JsonNode Json => JsonNode.Parse(Output) ?? throw new JsonException($"no JSON in: {Output}");
}

/// <summary>
/// A replication on the local cloud with its deployment published as the stack does (an SSM parameter in moto), and `amirepl`
/// run through its entry against it: the same arguments a person would give, pointed at the local endpoints.
/// </summary>
internal sealed class CliHarness : IAsyncDisposable
{
    private CliHarness(LocalReplication replication, string parameterName, LocalCloudServers cloud)
    {
        Replication = replication;
        ParameterName = parameterName;
        Cloud = cloud;
    }

    public LocalReplication Replication { get; }
    public string ParameterName { get; }
    public LocalCloudServers Cloud { get; }

    public static async Task<CliHarness> StartAsync(LocalCloudServers cloud, string policyJson)
    {
        var replication = await LocalReplication.StartAsync(cloud, policyJson);
        var name = $"/amirepl-tests/{Guid.NewGuid():N}/deployment";
        await replication.PublishDeploymentAsync(cloud.MotoUrl, name);
        return new CliHarness(replication, name, cloud);
    }

    /// <summary>The arguments that point `amirepl` at this local cloud (what a person passes with --endpoint-url).</summary>
    public string[] Endpoints =>
    [
        "--region", LocalReplication.Home,
        "--endpoint-url", $"dynamodb={Cloud.DynamoDbUrl}",
        "--endpoint-url", $"sqs={Cloud.MotoUrl}",
        "--endpoint-url", $"ssm={Cloud.MotoUrl}",
        "--endpoint-url", $"ec2={Replication.Simulator.Endpoint}",
    ];

    public async Task<CliResult> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        string[] deployment = args.Contains("--deployment-parameter") ? [] : ["--deployment-parameter", ParameterName];
        var code = await AmireplCli.RunAsync([.. args, .. Endpoints, .. deployment], output, error, CancellationToken.None);
        return new CliResult(code, output.ToString(), error.ToString());
    }

    /// <summary>`amirepl ... --output json`, which must exit 0 and print JSON.</summary>
    public async Task<JsonNode> JsonAsync(params string[] args)
    {
        var result = await RunAsync([.. args, "--output", "json"]);
        Assert.True(result.ExitCode == ExitCodes.Done, $"exit {result.ExitCode}: {result.Error}");
        return result.Json;
    }

    /// <summary>A source AMI in the home region with one 8 GiB snapshot, announced and handed to the dispatcher.</summary>
    public async Task<string> NewSourceAsync(string name)
    {
        var imageId = Replication.Simulator.SeedImage(LocalReplication.Home, new SeedImage { Name = name, Volumes = [new SeedVolume()] });
        await Replication.SendAsync(LocalReplication.AvailableEvent(LocalReplication.Home, imageId, id: imageId));
        await Replication.DeliverAsync();
        return imageId;
    }

    public ValueTask DisposeAsync() => Replication.DisposeAsync();
}
