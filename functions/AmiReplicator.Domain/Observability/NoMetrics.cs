using AmiReplicator.Contract;

namespace AmiReplicator.Domain.Observability;

/// <summary>Metrics that go nowhere, for tools that only read.</summary>
public sealed class NoMetrics : IMetrics
{
    public static readonly NoMetrics Instance = new();

    public void Record(MetricDefinition metric, double value, string destinationRegion)
    {
    }
}
