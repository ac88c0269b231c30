namespace AmiReplicator.Domain.Images;

public enum ImageState
{
    Pending,
    Available,
    Failed,
    Invalid,
    Deregistered,
    Transient,
    Error,
    Disabled,
    Unknown,
}
