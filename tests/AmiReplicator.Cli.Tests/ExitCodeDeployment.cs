using AmiReplicator.Ec2Simulator;
using AmiReplicator.LocalCloud;
using AmiReplicator.TestSupport;

namespace AmiReplicator.Cli.Tests;

/// <summary>
/// The deployment <see cref="ExitCodeTests"/> share: no job in it and one AMI not yet copied, so no row finds work to do; a row
/// that changes the simulator (a region refusing, faults) undoes it.
/// </summary>
public sealed class ExitCodeDeployment(LocalCloudFixture cloud) : IAsyncLifetime
{
    private const string Policy = """
        {"destinations":[{"region":"eu-west-1"},{"region":"ap-southeast-2"}],"retention":{"keepLatest":1,"familyNamePrefixes":["golden-"]}}
        """;

    private CliHarness? _harness;
    private string? _sourceImageId;

    internal CliHarness Harness => _harness ?? throw new InvalidOperationException("Not started.");

    /// <summary>An available AMI in the home region that has no job.</summary>
    public string SourceImageId => _sourceImageId ?? throw new InvalidOperationException("Not started.");

    public async Task InitializeAsync()
    {
        _harness = await CliHarness.StartAsync(cloud.Servers, Policy);
        _sourceImageId = _harness.Replication.Simulator.SeedImage(LocalReplication.Home, new SeedImage { Name = "golden-1" });
    }

    public async Task DisposeAsync()
    {
        if (_harness is not null)
        {
            await _harness.DisposeAsync();
        }
    }
}
