using AmiReplicator.Contract;

namespace AmiReplicator.Domain.Observability;

/// <summary>Where the workflows' metrics go (CloudWatch's embedded metric format in Lambda).</summary>
public interface IMetrics
{
    /// <summary>One observation of <paramref name="metric"/> for a destination region.</summary>
    void Record(MetricDefinition metric, double value, string destinationRegion);
}

/// <summary>Metrics that go nowhere, for tools that only read.</summary>
public sealed class NoMetrics : IMetrics
{
    public static readonly NoMetrics Instance = new();

    public void Record(MetricDefinition metric, double value, string destinationRegion)
    {
    }
}
