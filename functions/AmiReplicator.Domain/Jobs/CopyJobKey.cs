namespace AmiReplicator.Domain.Jobs;

/// <summary>One copy of one source AMI into one destination: the unit the replicator tracks.</summary>
public sealed record CopyJobKey(string SourceRegion, string SourceImageId, string DestinationRegion)
{
    /// <summary>The target account the copy is made in and owned by; null: the home account.</summary>
    public string? DestinationAccount { get; init; }

    public CopyDestination Destination => new(DestinationRegion, DestinationAccount);

    public static CopyJobKey Into(string sourceRegion, string sourceImageId, CopyDestination destination) =>
        new(sourceRegion, sourceImageId, destination.Region) { DestinationAccount = destination.Account };

    /// <summary>How a slot counter names the job holding one of its slots (the home account's without an account part, as before targets).</summary>
    public string HolderId => DestinationAccount is null
        ? $"{SourceRegion}#{SourceImageId}#{DestinationRegion}"
        : $"{SourceRegion}#{SourceImageId}#{DestinationAccount}#{DestinationRegion}";

    public static CopyJobKey FromHolderId(string holderId) => holderId.Split('#') switch
    {
        [var source, var image, var destination] => new CopyJobKey(source, image, destination),
        [var source, var image, var account, var destination] => new CopyJobKey(source, image, destination) { DestinationAccount = account },
        _ => throw new FormatException($"'{holderId}' is not a slot holder id."),
    };

    public override string ToString() => $"{SourceRegion}/{SourceImageId}->{Destination}";
}
