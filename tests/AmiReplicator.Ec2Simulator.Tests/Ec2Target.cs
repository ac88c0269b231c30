using Amazon.EC2;

namespace AmiReplicator.Ec2Simulator.Tests;

/// <summary>An EC2 to run a scenario on: its client per region, and how to let copies finish (moto's finish at once).</summary>
public sealed record Ec2Target(string Name, Func<string, AmazonEC2Client> Client, Action<TimeSpan> Advance)
{
    public override string ToString() => Name;
}
