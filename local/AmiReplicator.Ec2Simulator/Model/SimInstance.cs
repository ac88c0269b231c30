namespace AmiReplicator.Ec2Simulator.Model;

/// <summary>A running instance of the account: what matters of it here is the image it was launched from.</summary>
internal sealed record SimInstance(string Id, string Region, string ImageId)
{
    /// <summary>EC2 keeps a terminated instance visible for about an hour; the simulator forgets it at once, so only this state is held.</summary>
    public const string Running = "running";

    public string Arn(string accountId) => $"arn:aws:ec2:{Region}:{accountId}:instance/{Id}";
}
