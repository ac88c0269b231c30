using AmiReplicator.Domain.Images;

namespace AmiReplicator.Domain.Lifecycle;

public sealed record RetentionDecision(ImageInfo Copy, string Family, RetentionAction Action, string Why);
