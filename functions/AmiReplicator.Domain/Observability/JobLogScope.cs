using AmiReplicator.Domain.Jobs;
using Microsoft.Extensions.Logging;

namespace AmiReplicator.Domain.Observability;

/// <summary>Every line logged inside the scope carries the job's id, source image, source and destination region.</summary>
public static class JobLogScope
{
    public static IDisposable? BeginJobScope(this ILogger log, CopyJobKey key) => log.BeginScope(new Dictionary<string, object?>
    {
        ["JobId"] = key.HolderId,
        ["SourceImageId"] = key.SourceImageId,
        ["SourceRegion"] = key.SourceRegion,
        ["DestinationRegion"] = key.DestinationRegion,
    });
}
