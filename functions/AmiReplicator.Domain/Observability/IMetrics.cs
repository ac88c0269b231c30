using AmiReplicator.Contract;

namespace AmiReplicator.Domain.Observability;

/// <summary>Where the workflows' metrics go (CloudWatch's embedded metric format in Lambda).</summary>
public interface IMetrics
{
    /// <summary>One observation of <paramref name="metric"/> for a destination region.</summary>
    void Record(MetricDefinition metric, double value, string destinationRegion);
}
