namespace AmiReplicator.Domain.Policy;

/// <summary>A policy that cannot be used; <see cref="Field"/> is the JSON path of the offending field.</summary>
public sealed class PolicyException(string field, string problem) : Exception($"{field}: {problem}")
{
    public string Field { get; } = field;
    public string Problem { get; } = problem;
}
