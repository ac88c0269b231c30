namespace AmiReplicator.Infra;

/// <summary>A cdk.json setting that cannot be deployed; <see cref="Field"/> is its context path, e.g. <c>amiReplicator.destinations[0].region</c>.</summary>
internal sealed class ConfigurationException(string field, string problem) : Exception($"{field}: {problem}")
{
    public string Field { get; } = field;
}
