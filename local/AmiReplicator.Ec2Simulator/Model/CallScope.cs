namespace AmiReplicator.Ec2Simulator.Model;

/// <summary>What a request's SigV4 credential scope says (<c>Credential=AKID/20261125/eu-west-1/ec2/aws4_request</c>): whose key
/// signed it, for which region and which service.</summary>
internal sealed record CallScope(string AccessKeyId, string Region, string Service)
{
    public const string Ec2 = "ec2";
    public const string Sts = "sts";
}
