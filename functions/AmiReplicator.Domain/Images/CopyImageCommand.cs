namespace AmiReplicator.Domain.Images;

public sealed record CopyImageCommand(
    string DestinationRegion,
    string SourceRegion,
    string SourceImageId,
    string Name,
    string Description,
    bool Encrypt,
    string? KmsKeyId,
    string ClientToken,
    IReadOnlyDictionary<string, string> Tags,
    int? SnapshotCopyCompletionDurationMinutes = null);
