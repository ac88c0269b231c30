namespace AmiReplicator.Domain.Images;

/// <summary>An error answered by EC2: its code and message, and what kind of answer it is (the EC2 adapter tells kinds from codes).</summary>
public sealed class ImageServiceException(Ec2ErrorKind kind, string code, string message, Exception? inner = null)
    : Exception($"{code}: {message}", inner)
{
    public string Code { get; } = code;
    public Ec2ErrorKind Kind { get; } = kind;
}
