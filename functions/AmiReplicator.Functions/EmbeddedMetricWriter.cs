using System.Text.Json;
using AmiReplicator.Contract;
using AmiReplicator.Domain.Observability;

namespace AmiReplicator.Functions;

/// <summary>
/// Writes each metric as one line in CloudWatch's embedded metric format, which Lambda's log pipeline turns into the
/// metric: no CloudWatch client, no batching to lose when Lambda freezes the process right after a response.
/// </summary>
/// <param name="metricsNamespace">The deployment's namespace (<see cref="FunctionEnvironment.MetricsNamespace"/>).</param>
public sealed class EmbeddedMetricWriter(TextWriter output, TimeProvider clock, string metricsNamespace = ReplicatorMetrics.Namespace) : IMetrics
{
    private readonly Lock _gate = new();

    public void Record(MetricDefinition metric, double value, string destinationRegion)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteStartObject("_aws");
            json.WriteNumber("Timestamp", clock.GetUtcNow().ToUnixTimeMilliseconds());
            json.WriteStartArray("CloudWatchMetrics");
            json.WriteStartObject();
            json.WriteString("Namespace", metricsNamespace);
            json.WriteStartArray("Dimensions");
            json.WriteStartArray();
            json.WriteStringValue(ReplicatorMetrics.DestinationDimension);
            json.WriteEndArray();
            if (metric.AlsoUndimensioned)
            {
                json.WriteStartArray();
                json.WriteEndArray();
            }

            json.WriteEndArray();
            json.WriteStartArray("Metrics");
            json.WriteStartObject();
            json.WriteString("Name", metric.Name);
            json.WriteString("Unit", metric.Unit);
            json.WriteEndObject();
            json.WriteEndArray();
            json.WriteEndObject();
            json.WriteEndArray();
            json.WriteEndObject();
            json.WriteString(ReplicatorMetrics.DestinationDimension, destinationRegion);
            json.WriteNumber(metric.Name, value);
            json.WriteEndObject();
        }

        var line = System.Text.Encoding.UTF8.GetString(buffer.ToArray());
        lock (_gate)
        {
            output.WriteLine(line);
            output.Flush();
        }
    }
}
