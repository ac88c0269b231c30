using AmiReplicator.Domain.Images;
using Microsoft.Extensions.Logging;

namespace AmiReplicator.Domain.Lifecycle;

/// <summary>
/// Runs a per-destination part of the poller (following the sources' lifecycle, retention) so that one destination never holds
/// back the others: a destination EC2 refuses (not opted in, denied) is skipped with a warning, since its jobs already fail
/// with the reason; any other failure is reported after every destination has had its turn.
/// </summary>
internal static class EachDestination
{
    public static async Task RunAsync(IEnumerable<string> destinations, string part, ILogger log, Func<string, Task> action)
    {
        var failures = new List<(string Destination, Exception Error)>();
        foreach (var destination in destinations)
        {
            try
            {
                await action(destination);
            }
            catch (ImageServiceException e) when (e.Kind == Ec2ErrorKind.Refused)
            {
                log.LogWarning("{Part} skipped in {Destination}: EC2 refuses it ({Reason})", part, destination, e.Message);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                log.LogError(e, "{Part} failed in {Destination}", part, destination);
                failures.Add((destination, e));
            }
        }

        if (failures.Count > 0)
        {
            throw new AggregateException(
                $"{part} failed in {string.Join("; ", failures.Select(f => $"{f.Destination}: {f.Error.Message}"))}",
                failures.Select(f => f.Error));
        }
    }
}
