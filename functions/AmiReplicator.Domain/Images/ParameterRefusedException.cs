namespace AmiReplicator.Domain.Images;

/// <summary>SSM refused a parameter for good (asking again changes nothing); <see cref="Code"/> is SSM's error code.</summary>
public sealed class ParameterRefusedException(string code, string message, Exception? inner = null) : Exception($"{code}: {message}", inner)
{
    public string Code { get; } = code;
}
