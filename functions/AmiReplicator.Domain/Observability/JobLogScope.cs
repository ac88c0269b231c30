using AmiReplicator.Domain.Jobs;
using Microsoft.Extensions.Logging;

namespace AmiReplicator.Domain.Observability;

/// <summary>
/// How a job is named in the logs: its id, source image, source and destination region, and the target account when it has one,
/// as separate fields. A log line that names a job (a <see cref="CopyJobKey"/> in its template or an enclosing scope) carries
/// them, so every line about a job can be found by any of them.
/// </summary>
public static class JobLogScope
{
    /// <summary>The name a job's key has in a logging scope (and in message templates: <c>{Job}</c>).</summary>
    public const string JobField = "Job";

    /// <summary>Every line logged inside the scope names the job.</summary>
    public static IDisposable? BeginJobScope(this ILogger log, CopyJobKey key) =>
        log.BeginScope(new Dictionary<string, object?> { [JobField] = key });

    /// <summary>The fields a job is logged with; the home account's jobs have no account field.</summary>
    public static IEnumerable<KeyValuePair<string, object?>> Fields(CopyJobKey key)
    {
        yield return new("JobId", key.HolderId);
        yield return new("SourceImageId", key.SourceImageId);
        yield return new("SourceRegion", key.SourceRegion);
        yield return new("DestinationRegion", key.DestinationRegion);
        if (key.DestinationAccount is { } account)
        {
            yield return new("DestinationAccount", account);
        }
    }
}
