using System.Text.Json;
using System.Text.Json.Nodes;
using AmiReplicator.Cli;
using AmiReplicator.Ec2Simulator;
using AmiReplicator.LocalCloud;

namespace AmiReplicator.Cli.Tests;

/// <summary>What one run of `amirepl` printed and exited with.</summary>
internal sealed record CliResult(int ExitCode, string Output, string Error)
{
    /// <summary>What `amirepl` adds on stderr when the parser refuses the command line.</summary>
    public const string UsageHint = "Run 'amirepl --help' (or 'amirepl COMMAND --help') for usage.";

    public JsonNode Json => JsonNode.Parse(Output) ?? throw new JsonException($"no JSON in: {Output}");

    /// <summary>Asserts the exit code and the one line on stderr that says why.</summary>
    public void AssertError(int exitCode, string message) => AssertStderr(exitCode, $"amirepl: {message}");

    /// <summary>Asserts a command line the parser refused: exit 2, a line per reason the parser gave, then where to read the usage.</summary>
    public void AssertParseError(params string[] reasons) => AssertStderr(ExitCodes.Usage, [.. reasons.Select(r => $"amirepl: {r}"), UsageHint]);

    private void AssertStderr(int exitCode, params string[] lines) => Assert.Multiple(
        () => Assert.Equal(exitCode, ExitCode),
        () => Assert.Equal(string.Concat(lines.Select(l => l + Environment.NewLine)), Error));
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
        // A deployment of its own: its metrics are in a namespace no other test writes.
        var replication = await LocalReplication.StartAsync(cloud, policyJson, deployment: $"cli-{Guid.NewGuid():N}"[..16]);
        var name = $"/amirepl-tests/{Guid.NewGuid():N}/deployment";
        await replication.PublishDeploymentAsync(name);
        return new CliHarness(replication, name, cloud);
    }

    /// <summary>
    /// <paramref name="args"/> pointed at this local cloud (what a person passes with --endpoint-url), in the home region and at this
    /// deployment unless they name another region or deployment parameter.
    /// </summary>
    private string[] OnLocalCloud(string[] args) =>
    [
        .. args,
        "--endpoint-url", $"dynamodb={Cloud.DynamoDbUrl}",
        "--endpoint-url", $"sqs={Cloud.MotoUrl}",
        "--endpoint-url", $"cloudwatch={Cloud.MotoUrl}",
        "--endpoint-url", $"sts={Cloud.MotoUrl}",
        "--endpoint-url", $"organizations={Cloud.MotoUrl}",
        "--endpoint-url", $"ssm={Replication.Simulator.Endpoint}",
        "--endpoint-url", $"ec2={Replication.Simulator.Endpoint}",
        .. args.Contains("--region") ? [] : (string[])["--region", LocalReplication.Home],
        .. args.Contains("--deployment-parameter") ? [] : (string[])["--deployment-parameter", ParameterName],
    ];

    public async Task<CliResult> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await AmireplCli.RunAsync(OnLocalCloud(args), output, error, CancellationToken.None);
        return new CliResult(code, output.ToString(), error.ToString());
    }

    /// <summary>
    /// `amirepl ...` left running (a watch) until <paramref name="stop"/> is cancelled, as Ctrl-C cancels it; what it has printed
    /// so far can be read while it runs.
    /// </summary>
    public RunningCli Start(CancellationToken stop, params string[] args)
    {
        var output = new SharedWriter();
        var error = new SharedWriter();
        var run = Task.Run(async () =>
        {
            var code = await AmireplCli.RunAsync(OnLocalCloud(args), output, error, stop);
            return new CliResult(code, output.Text, error.Text);
        });
        return new RunningCli(run, output);
    }

    /// <summary>`amirepl ... --output json`, which must exit 0, print JSON and nothing on stderr.</summary>
    public async Task<JsonNode> JsonAsync(params string[] args)
    {
        var result = await RunAsync([.. args, "--output", "json"]);
        Assert.True(result.ExitCode == ExitCodes.Done, $"exit {result.ExitCode}: {result.Error}");
        Assert.Empty(result.Error);
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

/// <summary>A command still running: its end, and what it printed so far.</summary>
internal sealed record RunningCli(Task<CliResult> Completion, SharedWriter Output)
{
    /// <summary>Waits until the output contains <paramref name="text"/> (or the command ends, or a minute passes: then fails).</summary>
    public async Task WaitForAsync(string text)
    {
        var deadline = DateTimeOffset.UtcNow.AddMinutes(1);
        while (!Output.Text.Contains(text, StringComparison.Ordinal))
        {
            Assert.False(Completion.IsCompleted, $"ended without printing '{text}': {Output.Text}");
            Assert.True(DateTimeOffset.UtcNow < deadline, $"no '{text}' within a minute in: {Output.Text}");
            await Task.WhenAny(Completion, Task.Delay(50));
        }
    }
}

/// <summary>A writer one thread writes to while another reads what it has so far.</summary>
internal sealed class SharedWriter : TextWriter
{
    private readonly System.Text.StringBuilder _text = new();

    public override System.Text.Encoding Encoding => System.Text.Encoding.UTF8;

    public string Text
    {
        get
        {
            lock (_text)
            {
                return _text.ToString();
            }
        }
    }

    public override void Write(char value)
    {
        lock (_text)
        {
            _text.Append(value);
        }
    }

    public override void Write(string? value)
    {
        lock (_text)
        {
            _text.Append(value);
        }
    }
}
