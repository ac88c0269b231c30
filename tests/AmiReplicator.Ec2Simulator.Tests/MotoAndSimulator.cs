using Amazon.EC2;
using AmiReplicator.TestSupport;
using static AmiReplicator.Ec2Simulator.Tests.Harness;

namespace AmiReplicator.Ec2Simulator.Tests;

/// <summary>One simulator and the local cloud's moto for the whole conformance class.</summary>
public sealed class MotoAndSimulator(LocalCloudFixture cloud) : IAsyncLifetime
{
    private Harness? _simulator;
    private readonly Dictionary<string, AmazonEC2Client> _motoClients = [];

    public IReadOnlyList<Ec2Target> Targets { get; private set; } = [];

    public async Task InitializeAsync()
    {
        var simulator = _simulator = await Harness.StartAsync();
        Targets =
        [
            new Ec2Target("simulator", simulator.Client, simulator.Clock.Advance),
            new Ec2Target("moto", MotoClient, _ => { }),
        ];
    }

    private AmazonEC2Client MotoClient(string region)
    {
        lock (_motoClients)
        {
            if (!_motoClients.TryGetValue(region, out var client))
            {
                _motoClients[region] = client = CreateClient(cloud.Servers.MotoUrl, region);
            }

            return client;
        }
    }

    public async Task DisposeAsync()
    {
        foreach (var client in _motoClients.Values)
        {
            client.Dispose();
        }

        if (_simulator is not null)
        {
            await _simulator.DisposeAsync();
        }
    }
}
