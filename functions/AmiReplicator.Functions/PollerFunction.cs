using System.Text.Json;
using AmiReplicator.Domain.Copying;
using AmiReplicator.Domain.Targets;
using AmiReplicator.Messages;
using Microsoft.Extensions.Logging;

namespace AmiReplicator.Functions;

/// <summary>The scheduled handler: one poller pass. It fails (so Lambda's error metric shows it) when a region could not be polled.</summary>
public sealed class PollerFunction(CopyPoller poller, ILogger<PollerFunction> log)
{
    public async Task<string> HandleJsonAsync(string payload, CancellationToken cancellationToken)
    {
        var report = await RunAsync(cancellationToken);
        return JsonSerializer.Serialize(report.ToString(), MessagesJsonContext.Default.String);
    }

    /// <summary>The target list: loaded before each pass, synced with Organizations when due (its failure is logged and keeps the list).</summary>
    public TargetListSync? Targets { get; init; }

    public async Task<PollReport> RunAsync(CancellationToken cancellationToken)
    {
        if (Targets is not null)
        {
            await Targets.LoadAndSyncIfDueAsync(cancellationToken);
        }

        var report = await poller.RunAsync(cancellationToken);
        log.LogInformation("Poller pass: {Report}", report);
        if (report.Errors.Count > 0)
        {
            throw new InvalidOperationException($"Poller pass incomplete: {string.Join("; ", report.Errors)}");
        }

        return report;
    }
}
