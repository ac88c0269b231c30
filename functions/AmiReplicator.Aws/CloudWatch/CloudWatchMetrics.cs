using System.Globalization;
using Amazon.Runtime;
using AmiReplicator.Aws.Signing;
using AmiReplicator.Contract;
using AmiReplicator.Domain.Observability;

namespace AmiReplicator.Aws.CloudWatch;

/// <summary>
/// The replicator's metrics as a tool outside Lambda publishes them (the operator CLI): kept as they are recorded, then sent with
/// CloudWatch's PutMetricData by <see cref="FlushAsync"/>, into the deployment's namespace, with the dimensions the functions' embedded
/// metrics have. So a job a person cancels counts in CopiesCancelled as one the replicator cancels.
/// </summary>
public sealed class CloudWatchMetrics(string homeRegion, string metricsNamespace, Uri? endpoint, AWSCredentials? credentials, TimeProvider clock) : IMetrics, IDisposable
{
    /// <summary>PutMetricData takes at most 1,000 metrics a call.</summary>
    private const int MaxDataPerCall = 1000;

    private readonly SignedQueryClient _cloudWatch = new("monitoring", "monitoring", endpoint, credentials, clock);
    private readonly List<(MetricDefinition Metric, double Value, string? Destination, DateTimeOffset At)> _recorded = [];
    private readonly Lock _gate = new();

    public void Record(MetricDefinition metric, double value, string destinationRegion)
    {
        var at = clock.GetUtcNow();
        lock (_gate)
        {
            _recorded.Add((metric, value, destinationRegion, at));
            if (metric.AlsoUndimensioned)
            {
                _recorded.Add((metric, value, null, at));
            }
        }
    }

    /// <summary>Sends what was recorded since the last flush.</summary>
    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        List<(MetricDefinition Metric, double Value, string? Destination, DateTimeOffset At)> data;
        lock (_gate)
        {
            data = [.. _recorded];
            _recorded.Clear();
        }

        foreach (var batch in data.Chunk(MaxDataPerCall))
        {
            var parameters = new List<(string, string)> { ("Namespace", metricsNamespace) };
            for (var i = 0; i < batch.Length; i++)
            {
                var (metric, value, destination, at) = batch[i];
                var member = $"MetricData.member.{i + 1}";
                parameters.Add(($"{member}.MetricName", metric.Name));
                parameters.Add(($"{member}.Unit", metric.Unit));
                parameters.Add(($"{member}.Value", value.ToString(CultureInfo.InvariantCulture)));
                parameters.Add(($"{member}.Timestamp", at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture)));
                if (destination is not null)
                {
                    parameters.Add(($"{member}.Dimensions.member.1.Name", ReplicatorMetrics.DestinationDimension));
                    parameters.Add(($"{member}.Dimensions.member.1.Value", destination));
                }
            }

            await _cloudWatch.SendAsync(homeRegion, "PutMetricData", "2010-08-01", parameters, cancellationToken);
        }
    }

    public void Dispose() => _cloudWatch.Dispose();
}
