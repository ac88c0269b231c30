namespace AmiReplicator.Domain.Jobs;

/// <summary>One copy of one source AMI into one destination region: the unit the replicator tracks.</summary>
public sealed record CopyJobKey(string SourceRegion, string SourceImageId, string DestinationRegion)
{
    /// <summary>How a slot counter names the job holding one of its slots.</summary>
    public string HolderId => $"{SourceRegion}#{SourceImageId}#{DestinationRegion}";

    public static CopyJobKey FromHolderId(string holderId) => holderId.Split('#') is [var source, var image, var destination]
        ? new CopyJobKey(source, image, destination)
        : throw new FormatException($"'{holderId}' is not a slot holder id.");

    public override string ToString() => $"{SourceRegion}/{SourceImageId}->{DestinationRegion}";
}
