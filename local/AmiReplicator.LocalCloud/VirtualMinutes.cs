using AmiReplicator.Domain.Jobs;
using Microsoft.Extensions.Time.Testing;

namespace AmiReplicator.LocalCloud;

/// <summary>Virtual time passing a minute at a time with a poller pass each minute, as the stack's schedule runs it.</summary>
public static class VirtualMinutes
{
    /// <summary>Runs the poller each virtual minute until every job is done; answers the jobs then.</summary>
    public static async Task<IReadOnlyList<CopyJob>> RunPollerUntilDoneAsync(
        FakeTimeProvider clock, Func<Task> runPollerPass, Func<Task<IReadOnlyList<CopyJob>>> jobs, int maxMinutes, Func<Task>? eachMinute)
    {
        for (var minute = 0; minute < maxMinutes; minute++)
        {
            var now = await jobs();
            if (now.Count > 0 && now.All(j => j.State.IsTerminal()))
            {
                return now;
            }

            clock.Advance(TimeSpan.FromMinutes(1));
            await runPollerPass();
            if (eachMinute is not null)
            {
                await eachMinute();
            }
        }

        throw new TimeoutException($"Jobs not done after {maxMinutes} virtual minutes:\n{string.Join("\n", (await jobs()).Select(j => $"{j.Key} {j.State} {j.LastError}"))}");
    }
}
