namespace AmiReplicator.Ec2Simulator;

/// <summary>Why an image is failed, as DescribeImages' stateReason shows it.</summary>
public sealed record StateReason(string Code, string Message)
{
    /// <summary>What EC2 reports for a copy that failed, bad KMS keys included (seen in hashicorp/packer#6599).</summary>
    public static StateReason CopyInternalError { get; } =
        new("Server.InternalError", "Copy image failed with an internal error.");
}
