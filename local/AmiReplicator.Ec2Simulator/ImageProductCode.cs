namespace AmiReplicator.Ec2Simulator;

/// <summary>A product code as DescribeImages shows it (type "marketplace" or "devpay").</summary>
public sealed record ImageProductCode(string Id, string Type = "marketplace");
