using System.Globalization;
using System.Text.Json;
using AmiReplicator.Domain.Workflows;
using AmiReplicator.Messages;
using Microsoft.Extensions.Logging;

namespace AmiReplicator.Functions;

/// <summary>The scheduled handler: one poller pass. It fails (so Lambda's error metric shows it) when a region could not be polled.</summary>
public sealed class PollerFunction(CopyPoller poller, TimeProvider clock, TextWriter metrics, ILogger<PollerFunction> log)
{
    public async Task<string> HandleJsonAsync(string payload, CancellationToken cancellationToken)
    {
        var report = await RunAsync(cancellationToken);
        return JsonSerializer.Serialize(report.ToString(), MessagesJsonContext.Default.String);
    }

    public async Task<PollReport> RunAsync(CancellationToken cancellationToken)
    {
        var report = await poller.RunAsync(cancellationToken);
        log.LogInformation("Poller pass: {Report}", report);
        PublishOldestWaitingAge(report);
        if (report.Errors.Count > 0)
        {
            throw new InvalidOperationException($"Poller pass incomplete: {string.Join("; ", report.Errors)}");
        }

        return report;
    }

    /// <summary>
    /// The age of the oldest waiting job in CloudWatch's embedded metric format: a log line Lambda turns into the
    /// metric AmiReplicator/OldestWaitingJobAgeSeconds that the stack's alarm watches; 0 when nothing waits.
    /// </summary>
    private void PublishOldestWaitingAge(PollReport report)
    {
        var now = clock.GetUtcNow();
        var age = report.OldestWaiting is { } oldest ? Math.Max(0, (long)(now - oldest).TotalSeconds) : 0;
        metrics.WriteLine(
            "{\"_aws\":{\"Timestamp\":" + now.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture)
            + ",\"CloudWatchMetrics\":[{\"Namespace\":\"AmiReplicator\",\"Dimensions\":[[]],\"Metrics\":[{\"Name\":\"OldestWaitingJobAgeSeconds\",\"Unit\":\"Seconds\"}]}]},"
            + "\"OldestWaitingJobAgeSeconds\":" + age.ToString(CultureInfo.InvariantCulture) + "}");
        metrics.Flush();
    }
}
