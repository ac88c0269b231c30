namespace AmiReplicator.Ec2Simulator;

/// <summary>What is known about a copy when its duration is chosen.</summary>
public sealed record CopyInfo(
    string ImageId, string SourceRegion, string SourceImageId, string DestinationRegion, int TotalSizeGiB);
