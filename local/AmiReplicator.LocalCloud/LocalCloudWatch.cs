using AmiReplicator.Aws.Signing;

namespace AmiReplicator.LocalCloud;

/// <summary>CloudWatch's metrics as moto holds them (what the operator CLI published with PutMetricData), read back with ListMetrics.</summary>
public static class LocalCloudWatch
{
    /// <summary>Each metric of the namespace, with its DestinationRegion dimension (null: the metric published without it).</summary>
    public static async Task<IReadOnlyList<(string Name, string? Destination)>> ListMetricsAsync(Uri motoUrl, string metricsNamespace, CancellationToken cancellationToken)
    {
        using var cloudWatch = new SignedQueryClient("monitoring", "monitoring", motoUrl, LocalReplication.Credentials, TimeProvider.System);
        var answer = await cloudWatch.SendAsync(LocalReplication.Home, "ListMetrics", "2010-08-01", [("Namespace", metricsNamespace)], cancellationToken);
        return [.. answer.Descendants().Where(e => e.Name.LocalName == "member" && e.Elements().Any(c => c.Name.LocalName == "MetricName"))
            .Select(m => (
                m.Elements().Single(c => c.Name.LocalName == "MetricName").Value,
                m.Descendants().Where(d => d.Name.LocalName == "Value").Select(d => d.Value).FirstOrDefault()))];
    }
}
