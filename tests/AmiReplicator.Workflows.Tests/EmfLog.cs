using System.Text.Json;
using AmiReplicator.Contract;

namespace AmiReplicator.Workflows.Tests;

/// <summary>The metrics the functions published, read back from their log lines in embedded metric format.</summary>
internal static class EmfLog
{
    /// <summary>The newest value of a metric for a destination.</summary>
    public static double Last(WorkflowHarness h, string metric, string destination) => LastAt(h, metric, destination).Value;

    /// <summary>The newest value of a metric for a destination, and when it was published.</summary>
    public static (double Value, DateTimeOffset At) LastAt(WorkflowHarness h, string metric, string destination)
    {
        var line = h.Log.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => JsonDocument.Parse(l).RootElement)
            .Last(l => l.TryGetProperty("_aws", out _) && l.TryGetProperty(metric, out _) && l.GetProperty(ReplicatorMetrics.DestinationDimension).GetString() == destination);
        return (line.GetProperty(metric).GetDouble(), DateTimeOffset.FromUnixTimeMilliseconds(line.GetProperty("_aws").GetProperty("Timestamp").GetInt64()));
    }
}
