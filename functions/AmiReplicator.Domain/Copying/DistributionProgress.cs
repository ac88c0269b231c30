using System.Globalization;
using AmiReplicator.Domain.Jobs;
using AmiReplicator.Domain.Policy;
using Microsoft.Extensions.Logging;

namespace AmiReplicator.Domain.Copying;

/// <summary>
/// What follows from a distribution's counts: the next rollout wave let go (its held jobs start waiting like any other), and, once
/// every job has ended, the completed event. A job write that changes a distribution's counts makes it due (write-first: it is in
/// the store's list of distributions to look at from that write on), so a worker dying after the write that ended the last job
/// leaves the event due, and the poller's next pass sends it. The event is sent before it is marked sent: at least once.
/// </summary>
public sealed class DistributionProgress(ICopyJobStore store, ReplicationPolicy policy, IDistributionEvents? events, TimeProvider clock, ILogger<DistributionProgress> log)
{
    /// <summary>Distributions looked at in one pass, and held jobs let go per read.</summary>
    public const int PageSize = 100;

    /// <summary>Looks at every distribution due (the poller's pass); one's error stays with it. Answers how many were looked at.</summary>
    public async Task<int> InspectDueAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var inspected = 0;
        // A distribution with waves to let go is inspected on its own (its waves are written before its jobs are). The others, most of
        // them (a copy ended and others are still open, or the last one ended), have at most their event to send: it is sent (at least
        // once, as LetGoWavesAsync sends it: before the write that records it), and then all of them are written in one call, not one each.
        var settling = new List<(Distribution From, Distribution To)>();
        foreach (var distribution in await store.ListDistributionsToInspectAsync(now, PageSize, cancellationToken))
        {
            try
            {
                var step = StepOf(distribution, now);
                if (step.LetGo)
                {
                    await LetGoWavesAsync(distribution, step, now, cancellationToken);
                    inspected++;
                    continue;
                }

                if (step.Completes)
                {
                    await SendCompletedAsync(distribution, now, cancellationToken);
                }

                settling.Add((distribution, step.Progress with
                {
                    EventSentRound = step.Completes ? distribution.Round : distribution.EventSentRound,
                    InspectAt = step.Next,
                }));
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                log.LogError(e, "Distribution {Distribution}: {Error}; the next pass looks again", distribution.Key, e.Message);
            }
        }

        if (settling.Count > 0 && !await TrySaveAllAsync(settling, cancellationToken))
        {
            // One changed since it was read (a job of it was written, which makes it due again): each is written on its own.
            foreach (var (from, to) in settling)
            {
                try
                {
                    await store.SaveDistributionAsync(from, to, cancellationToken);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    log.LogError(e, "Distribution {Distribution}: {Error}; the next pass looks again", from.Key, e.Message);
                }
            }
        }

        return inspected + settling.Count;
    }

    private async Task<bool> TrySaveAllAsync(List<(Distribution From, Distribution To)> saves, CancellationToken cancellationToken)
    {
        try
        {
            return await store.SaveDistributionsAsync(saves, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            log.LogWarning(e, "Saving {Count} distributions at once failed ({Error}); each is saved on its own", saves.Count, e.Message);
            return false;
        }
    }

    private async Task SendCompletedAsync(Distribution distribution, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (events is not null)
        {
            await events.PublishCompletedAsync(DistributionCompleted.Of(distribution, now), cancellationToken);
        }

        log.LogInformation("Distribution {Distribution} completed (round {Round}): {Counts}", distribution.Key, distribution.Round,
            string.Join(", ", DistributionTally.Outcomes(distribution.Counts).Select(c => $"{c.Key} {c.Value}")));
    }

    /// <summary>
    /// Lets go the waves the step opens (their progress written first, then their jobs) and sends the completed event when due; then
    /// records both. A distribution changed meanwhile is left to the next pass.
    /// </summary>
    private async Task LetGoWavesAsync(Distribution read, Step step, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (await store.SaveDistributionAsync(read, step.Progress, cancellationToken) is not { } saved)
        {
            return;
        }

        var allLetGo = await LetGoAsync(saved, now, cancellationToken);
        if (step.Completes)
        {
            await SendCompletedAsync(saved, now, cancellationToken);
        }

        await store.SaveDistributionAsync(saved, saved with
        {
            EventSentRound = step.Completes ? saved.Round : saved.EventSentRound,
            InspectAt = allLetGo ? step.Next : now,
        }, cancellationToken);
    }

    /// <summary>
    /// What an inspection of the distribution does: its progress to write first (the waves let go are written before their jobs are,
    /// and it stays due until they are and its event is sent), whether its completed event is due, whether it has waves to let go,
    /// and when to look again otherwise.
    /// </summary>
    private Step StepOf(Distribution read, DateTimeOffset now)
    {
        var (progress, next) = Advance(read, now);
        var completes = read.HasEnded && read.EventSentRound != read.Round;
        var letGo = progress.OpenedWave > 0;
        return new Step(progress with { InspectAt = completes || letGo ? now : next }, completes, letGo, next);
    }

    private sealed record Step(Distribution Progress, bool Completes, bool LetGo, DateTimeOffset? Next);

    /// <summary>
    /// The waves that may start now, from the first not started: a wave is passed when every copy of it is available and its soak
    /// has run (from when that was first seen), when it has no jobs, or when a person resumed it past its failed targets. Answers the
    /// progress and when to look again (a soak's end), or null when only a job's change can move it on.
    /// </summary>
    private (Distribution Progress, DateTimeOffset? Next) Advance(Distribution read, DateTimeOffset now)
    {
        if (policy.Rollout is not { } rollout)
        {
            // No rollout (any more): every wave goes.
            return (read with { OpenedWave = Math.Max(read.OpenedWave, read.LastWave), HeldReason = null }, null);
        }

        var progress = read with { HeldReason = null };
        while (progress.OpenedWave < read.LastWave)
        {
            var wave = progress.OpenedWave;
            var outcomes = DistributionTally.OutcomesOfWave(read.Counts, wave);
            var problems = outcomes.Where(o => o.Key is not DistributionTally.OpenOutcome and not "AVAILABLE").ToList();
            if (problems.Count > 0 && !progress.WavesResumed.ContainsKey(wave))
            {
                var what = string.Join(", ", problems.Select(p => $"{p.Value} {p.Key}"));
                return (progress with { HeldReason = $"wave {wave + 2} and later are held: wave {wave + 1} has {what} (`amirepl rollout resume {read.Key.SourceImageId}` lets them go; so does a successful retry)" }, null);
            }

            if (problems.Count == 0 && outcomes.Count > 0)
            {
                if (outcomes.GetValueOrDefault(DistributionTally.OpenOutcome) > 0)
                {
                    return (progress, null);
                }

                var availableAt = progress.WavesAvailableAt.GetValueOrDefault(wave, now);
                progress = progress with { WavesAvailableAt = new Dictionary<int, DateTimeOffset>(progress.WavesAvailableAt) { [wave] = availableAt } };
                if (availableAt + rollout.SoakAfter(wave) is var due && due > now)
                {
                    return (progress, due);
                }
            }

            progress = progress with { OpenedWave = wave + 1 };
        }

        return (progress, null);
    }

    /// <summary>The held jobs of the waves started, let go with a note saying why; answers whether every one was.</summary>
    private async Task<bool> LetGoAsync(Distribution distribution, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var held = await store.ListHeldAsync(distribution.Key, distribution.OpenedWave, PageSize, cancellationToken);
        var all = held.Count < PageSize;
        foreach (var job in held)
        {
            var to = job with
            {
                Held = false,
                WaitingSince = now,
                UpdatedAt = now,
                Notes = [.. job.Notes, $"wave {job.Wave + 1} started: {WhyStarted(distribution, job.Wave ?? 0)}"],
            };
            var result = await store.TransitionAsync(job, to, policy.BudgetFor(job.Key.Destination), cancellationToken);
            all &= result.Status == TransitionStatus.Applied;
        }

        log.LogInformation("Distribution {Distribution}: {Count} held jobs of waves up to {Wave} let go", distribution.Key, held.Count, distribution.OpenedWave + 1);
        return all;
    }

    private string WhyStarted(Distribution distribution, int wave)
    {
        var before = wave - 1;
        if (distribution.WavesResumed.TryGetValue(before, out var resumed))
        {
            return $"wave {before + 1} was resumed past its failed targets by {resumed}";
        }

        return distribution.WavesAvailableAt.TryGetValue(before, out var availableAt)
            ? $"every copy of wave {before + 1} available since {availableAt.ToString("u", CultureInfo.InvariantCulture)}"
                + (policy.Rollout?.SoakAfter(before) is { } soak && soak > TimeSpan.Zero ? $", soaked {soak.TotalMinutes:0} minutes" : "")
            : $"wave {before + 1} has no copies";
    }

    /// <summary>
    /// A person lets the waves after a failed one go (`amirepl rollout resume`): recorded on the distribution with who and why, and
    /// made due, so the poller's next pass lets the later waves go (the person needs no more than a write of the record). The record
    /// is read as people read it (<paramref name="reads"/>); its one write is conditional on the version read.
    /// </summary>
    public async Task<ResumeResult> ResumeAsync(ICopyJobInspection reads, DistributionId key, string requestedBy, string? reason, CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < 3; attempt++)
        {
            if (await reads.GetDistributionAsync(key, cancellationToken) is not { } read)
            {
                return new ResumeResult(ResumeStatus.NotFound, null, $"no distribution of {key} is recorded");
            }

            var (progress, _) = Advance(read, clock.GetUtcNow());
            if (progress.HeldReason is null)
            {
                return new ResumeResult(ResumeStatus.NotHeld, null, progress.OpenedWave >= read.LastWave
                    ? $"every wave of {key} has started"
                    : $"wave {progress.OpenedWave + 2} is not held by a failed target: it starts when every copy of wave {progress.OpenedWave + 1} is available and has soaked");
            }

            var wave = progress.OpenedWave;
            var by = $"{requestedBy} at {clock.GetUtcNow().ToString("u", CultureInfo.InvariantCulture)}" + (reason is null ? "" : $" ({reason})");
            var resumed = read with { WavesResumed = new Dictionary<int, string>(read.WavesResumed) { [wave] = by }, InspectAt = clock.GetUtcNow() };
            if (await store.SaveDistributionAsync(read, resumed, cancellationToken) is not null)
            {
                log.LogInformation("Distribution {Distribution}: wave {Wave} resumed past its failed targets by {By}", key, wave + 1, by);
                return new ResumeResult(ResumeStatus.Resumed, wave + 1,
                    $"wave {wave + 1} resumed past its failed targets by {by}: the next waves start with the poller's next pass (within a minute)");
            }
        }

        return new ResumeResult(ResumeStatus.Busy, null, $"{key} kept changing while it was resumed; ask again");
    }
}

public enum ResumeStatus
{
    Resumed,
    NotFound,
    NotHeld,
    Busy,
}

/// <param name="Wave">The wave resumed past (numbered from 1).</param>
public sealed record ResumeResult(ResumeStatus Status, int? Wave, string Message);
