using AmiReplicator.Domain.Images;
using AmiReplicator.Domain.Jobs;
using Microsoft.Extensions.Logging;

namespace AmiReplicator.Domain.Lifecycle;

/// <summary>
/// Runs a per-destination part of the poller (following the sources' lifecycle, retention) so that one destination never holds
/// back the others: a destination EC2 refuses (not opted in, denied, a target account whose spoke role is missing or refuses the
/// functions) is skipped with a warning naming it and the reason, and counted, since its jobs already fail with the reason or its
/// copies are kept as they are until it is fixed; an account whose spoke role was refused has its other regions skipped without
/// asking STS again. Any other failure is reported after every destination has had its turn.
/// </summary>
internal static class EachDestination
{
    /// <summary>Answers how many destinations were skipped as refused.</summary>
    public static async Task<int> RunAsync(IEnumerable<CopyDestination> destinations, string part, ILogger log, Func<CopyDestination, Task> action)
    {
        var skipped = 0;
        var refusedRoles = new HashSet<string>(StringComparer.Ordinal);
        var failures = new List<(CopyDestination Destination, Exception Error)>();
        foreach (var destination in destinations)
        {
            if (destination.Account is { } account && refusedRoles.Contains(account))
            {
                skipped++;
                continue;
            }

            try
            {
                await action(destination);
            }
            catch (ImageServiceException e) when (e.Kind == Ec2ErrorKind.Refused)
            {
                log.LogWarning("{Part} skipped in {Destination}: it is refused ({Reason})", part, destination, e.Message);
                skipped++;
                if (destination.Account is { } refused && FailureCodes.OfTargetRefusal(e) == FailureCodes.RoleDenied)
                {
                    refusedRoles.Add(refused);
                }
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

        return skipped;
    }
}
