using AmiReplicator.Contract;
using AmiReplicator.Domain.Images;
using AmiReplicator.Domain.Jobs;
using AmiReplicator.Domain.Observability;
using AmiReplicator.Domain.Policy;
using AmiReplicator.Domain.Slots;
using Microsoft.Extensions.Logging;

namespace AmiReplicator.Domain.Copying;

/// <summary>Starts a waiting copy: takes its slots, calls CopyImage, records the target image (or why there is none).</summary>
public sealed class CopyStarter(
    ICopyJobStore store,
    DestinationImages destinations,
    ReplicationPolicy policy,
    JobSteps steps,
    CounterReconciler counters,
    WaitingCandidates candidates,
    CopyFinisher finisher,
    TargetPreflight preflight,
    IMetrics metrics,
    TimeProvider clock,
    ILogger<CopyStarter> log)
{
    /// <summary>How long a destination backs off after EC2 answered ResourceLimitExceeded (the account's limit is shared with other tools).</summary>
    public static readonly TimeSpan BackPressureDelay = TimeSpan.FromMinutes(1);

    /// <summary>
    /// How long a CopyImage call may still start a copy after it began: no worker outlives Lambda's longest timeout, 15 minutes. A
    /// claim cancelled meanwhile keeps its slots at least this long unless the copy is found first (<see cref="CopyCanceller"/>).
    /// </summary>
    public static readonly TimeSpan MaxCallInFlight = TimeSpan.FromMinutes(15);

    /// <summary>
    /// How long a target account's job waits before it looks again for the home account's copy it copies, or before its target is
    /// asked again when whether it can be copied into was not known (STS or EC2 throttled the preflight).
    /// </summary>
    public static readonly TimeSpan DistributionRecheck = TimeSpan.FromMinutes(1);

    /// <summary>Claims the job's slots and starts its copy; answers whether EC2 accepted it, or why not.</summary>
    private async Task<StartOutcome> TryStartAsync(CopyJob waiting, SlotView slots, CancellationToken cancellationToken)
    {
        var claim = await ClaimAsync(waiting, cancellationToken);
        if (claim.Status == TransitionStatus.CounterMissing)
        {
            // A counter a person deleted (or one never made) is rebuilt from the jobs holding its slots before any claim passes.
            foreach (var scope in SlotScope.HeldBy(waiting.Key))
            {
                slots.Learn(await counters.RebuildAsync(scope, cancellationToken));
            }

            claim = await ClaimAsync(waiting, cancellationToken);
        }

        switch (claim)
        {
            case { Status: TransitionStatus.Applied, Job: { } claimed }:
                slots.Took(waiting.Key);
                candidates.Claimed(waiting.Key);
                var outcome = await CallCopyImageAsync(claimed, cancellationToken);
                if (outcome == StartOutcome.Ended)
                {
                    slots.Released(waiting.Key);
                }
                else if (outcome == StartOutcome.BackPressure)
                {
                    slots.BackedOff(waiting.Key.Destination, clock.GetUtcNow() + BackPressureDelay);
                }

                return outcome;
            case { Status: TransitionStatus.PairFull }:
                slots.Full(SlotScope.Pair(waiting.Key.SourceRegion, waiting.Key.Destination));
                return StartOutcome.PairFull;
            case { Status: TransitionStatus.BackingOff }:
                return StartOutcome.BackingOff;
            case { Status: TransitionStatus.Conflict }:
                return StartOutcome.MovedOn;
            default:
                slots.Full(SlotScope.All(waiting.Key.Destination));
                return StartOutcome.DestinationFull;
        }
    }

    private Task<TransitionResult> ClaimAsync(CopyJob waiting, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var claimed = waiting.MoveTo(CopyJobState.Claimed, now) with { ClaimedAt = now, CopyCalledAt = now, NotBefore = null };
        return store.TransitionAsync(waiting, claimed, policy.BudgetFor(waiting.Key.Destination), cancellationToken);
    }

    /// <summary>
    /// Calls CopyImage again for a claim (its worker died, or the destination's back-off is over): first records that a call begins,
    /// conditionally, so a cancel requested meanwhile stops it and a claim cancelled later knows how long a call may still land.
    /// </summary>
    public async Task<StartOutcome> RepeatCopyImageAsync(CopyJob claimed, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        return await RecordAsync(claimed, claimed with { CopyCalledAt = now, UpdatedAt = now }, cancellationToken) is { Applied: true, Job: { } stamped }
            ? await CallCopyImageAsync(stamped, cancellationToken)
            : StartOutcome.MovedOn;
    }

    /// <summary>
    /// Calls CopyImage for a job that holds its slots and records what EC2 answered. Safe to repeat for the same attempt: the
    /// ClientToken is the same, so EC2 answers the image it already started.
    /// </summary>
    private Task<StartOutcome> CallCopyImageAsync(CopyJob claimed, CancellationToken cancellationToken) =>
        Guarded(claimed, async () =>
        {
            var key = claimed.Key;
            var images = destinations.For(key.Destination);
            string targetImageId;
            try
            {
                if (claimed.ImageToRemove is { } failed)
                {
                    // The previous attempt's failed image still holds the name the new copy needs.
                    await images.DeregisterImageAsync(key.DestinationRegion, failed, cancellationToken);
                }

                targetImageId = await images.CopyImageAsync(await CopyCommandAsync(claimed, cancellationToken), cancellationToken);
            }
            catch (ImageServiceException e) when (e.Kind == Ec2ErrorKind.LimitExceeded)
            {
                return await BackOffAsync(claimed, e, cancellationToken);
            }
            catch (ImageServiceException e) when (e.Kind == Ec2ErrorKind.Transient)
            {
                // Whether EC2 started the copy is unknown: keep the slots, the reconciler repeats the call with the same token.
                log.LogWarning("CopyImage for {Job} failed transiently ({Error}); it will be repeated", key, e.Message);
                return await steps.RecordFailureAsync(claimed, JobStep.StartCopy, e, detail: null, (j, why) => GiveUpAsync(j, why, cancellationToken), StartOutcome.StepFailed, cancellationToken);
            }
            catch (ImageServiceException e) when (e.Kind == Ec2ErrorKind.NameTaken)
            {
                return await OnNameTakenAsync(claimed, e, cancellationToken);
            }
            catch (ShareRefusedException e)
            {
                log.LogError("{Job}: {Error}", key, e.Message);
                return await EndAsync(claimed, FailureCodes.SourceNotShared, e.Message, cancellationToken) ? StartOutcome.Ended : StartOutcome.MovedOn;
            }
            catch (ImageServiceException e)
            {
                log.LogError("EC2 refused to copy {Job}: {Error}", key, e.Message);
                var code = (key.DestinationAccount is null ? null : FailureCodes.OfTargetRefusal(e)) ?? FailureCodes.CopyRefused;
                return await EndAsync(claimed, code, $"CopyImage refused: {e.Message}", cancellationToken) ? StartOutcome.Ended : StartOutcome.MovedOn;
            }

            return await RecordCopyingAsync(claimed, targetImageId, note: null, cancellationToken);
        }, cancellationToken);

    /// <summary>
    /// Starts waiting jobs of a destination while both its slots and a pair's are free, in <see cref="CopyJob.StartOrder"/> across
    /// the pairs. Only pairs with a free slot are read, and only as many ready jobs as there are free slots, so a long backlog of
    /// a full pair never hides another pair's jobs and the work per start stays that of a few items. <paramref name="justRecorded"/>
    /// are jobs written a moment ago, which the index may not list yet. Answers the jobs EC2 accepted copies for.
    /// </summary>
    public async Task<IReadOnlyList<CopyJob>> StartWaitingAsync(CopyDestination destination, SlotView slots, IReadOnlyCollection<CopyJob> justRecorded, CancellationToken cancellationToken)
    {
        // Every pair with waiting jobs has its counter: that is how passes find the pair's jobs, started now or not.
        foreach (var scope in justRecorded.SelectMany(j => SlotScope.HeldBy(j.Key)).Distinct().Where(s => !slots.Knows(s)).ToList())
        {
            slots.Learn(await counters.RebuildAsync(scope, cancellationToken));
        }

        var started = new List<CopyJob>();
        var tried = new HashSet<CopyJobKey>();
        var distributions = new Dictionary<CopyJobKey, CopyJob?>();
        for (var round = 0; round < 3; round++)
        {
            var destinationFree = slots.Free(SlotScope.All(destination));
            if (destinationFree == 0 || slots.BacksOffAt(destination, clock.GetUtcNow()))
            {
                break;
            }

            var ready = new List<CopyJob>();
            foreach (var source in slots.SourcesOf(destination))
            {
                var free = Math.Min(destinationFree, slots.Free(SlotScope.Pair(source, destination)));
                if (free > 0)
                {
                    ready.AddRange(await candidates.TakeAsync(destination, source, free + tried.Count, slots, cancellationToken));
                }
            }

            ready.AddRange(justRecorded.Where(j => j.Key.Destination == destination && j.State == CopyJobState.Waiting));
            var conflicts = false;
            foreach (var job in ready.Where(j => j.IsReadyAt(clock.GetUtcNow()) && tried.Add(j.Key)).Order(CopyJob.StartOrder).ToList())
            {
                if (slots.Free(SlotScope.All(destination)) == 0 || slots.BacksOffAt(destination, clock.GetUtcNow()))
                {
                    break;
                }

                if (slots.Free(SlotScope.Pair(job.Key.SourceRegion, destination)) == 0)
                {
                    continue;
                }

                if (await DistributionAsync(job.Key, distributions, cancellationToken) is { Available: false } distribution)
                {
                    // Ended with the home copy's reason, or set aside for a while: either way it leaves the front of its pair's queue,
                    // so jobs behind it that can start do.
                    await EndOrSetAsideAsync(job, distribution.EndReason is null ? null : new(FailureCodes.HomeCopyFailed, distribution.EndReason), cancellationToken);
                    continue;
                }

                if (policy.FindDestination(destination) is { SharesHomeCopy: true })
                {
                    // No copy, so no slot: the home account's copy is shared with the account, or the job ends or waits as the preflight says.
                    if (!await ShareHomeCopyAsync(job, cancellationToken))
                    {
                        slots.BackedOff(destination, clock.GetUtcNow() + DistributionRecheck);
                        return started;
                    }

                    continue;
                }

                if (await preflight.CheckAsync(job, cancellationToken) is { } refusal)
                {
                    // The target cannot be copied into (ended with its code, no slot taken), or it is not known yet: then the whole
                    // target waits a minute, the other destinations go on.
                    await EndOrSetAsideAsync(job, refusal, cancellationToken);
                    if (refusal.FailureCode is null)
                    {
                        slots.BackedOff(destination, clock.GetUtcNow() + DistributionRecheck);
                        return started;
                    }

                    continue;
                }

                var outcome = await TryStartAsync(job, slots, cancellationToken);
                if (outcome is not (StartOutcome.PairFull or StartOutcome.DestinationFull or StartOutcome.BackingOff))
                {
                    candidates.Forget(job.Key);
                }

                switch (outcome)
                {
                    case StartOutcome.Started:
                        started.Add(job);
                        break;
                    case StartOutcome.MovedOn or StartOutcome.StepFailed:
                        conflicts = true;
                        break;
                    case StartOutcome.BackPressure or StartOutcome.BackingOff:
                        return started;
                }
            }

            // Another worker took some of the jobs read: read again for the slots still free, a few times at most.
            if (!conflicts)
            {
                break;
            }
        }

        return started;
    }

    /// <summary>
    /// A waiting job that may not take slots now: ended FAILED with the refusal's code, or, without a code, set aside for
    /// <see cref="DistributionRecheck"/> with the reason. Either way the read-ahead forgets it.
    /// </summary>
    private async Task EndOrSetAsideAsync(CopyJob job, TargetPreflight.Refusal? refusal, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        if (refusal?.FailureCode is { } code)
        {
            await EndAsync(job, code, refusal.Reason, cancellationToken);
        }
        else
        {
            // From the minute's start: a job is ready by whole minutes, so now + 1 min would skip the next pass unless it ran at :00.
            await RecordAsync(job, job with { NotBefore = CopyJob.FloorMinute(now) + DistributionRecheck, UpdatedAt = now, LastError = refusal?.Reason ?? job.LastError }, cancellationToken);
        }

        candidates.Forget(job.Key);
    }

    /// <summary>
    /// A waiting job of a target in share mode, its home account's copy available: once the preflight finds the account may use that copy
    /// (its Allowed AMIs setting, the copy's key), the account is given launch permission on it (adding it again changes nothing; its
    /// snapshots need no share to launch) and the job ends AVAILABLE naming it. No CopyImage, no slot. A refusal ends the job with its
    /// code before anything is shared. Answers false when the target's answer is not known yet (it waits a minute, as for a copy).
    /// </summary>
    private async Task<bool> ShareHomeCopyAsync(CopyJob job, CancellationToken cancellationToken)
    {
        var key = job.Key;
        var account = key.DestinationAccount!;
        var homeCopy = await DistributionImageAsync(key, cancellationToken);
        if (homeCopy is not { State: ImageState.Available })
        {
            await EndOrSetAsideAsync(job, homeCopy is null or { State: ImageState.Deregistered }
                ? new(FailureCodes.HomeCopyFailed, $"the home account's copy in {key.DestinationRegion}, which this account is to launch, is gone")
                : new(null, $"the home account's copy {homeCopy.ImageId} in {key.DestinationRegion} is {homeCopy.State.ToString().ToLowerInvariant()}"), cancellationToken);
            return true;
        }

        var notes = new List<string>();
        if (await preflight.CheckShareAsync(job, homeCopy, notes, cancellationToken) is { } refusal)
        {
            await EndOrSetAsideAsync(job, refusal, cancellationToken);
            return refusal.FailureCode is not null;
        }

        try
        {
            await destinations.Home.AddLaunchPermissionsAsync(homeCopy.Region, homeCopy.ImageId, [new LaunchPermission(LaunchPermissionKind.UserId, account)], cancellationToken);
        }
        catch (ImageServiceException e) when (e.Kind == Ec2ErrorKind.Refused)
        {
            await EndAsync(job, FailureCodes.SourceNotShared, $"the home account's copy {homeCopy.ImageId} in {homeCopy.Region} could not be shared with account {account} ({e.Message})"
                + (homeCopy.IsEncrypted ? "; " + AwsManagedKeyHint : ""), cancellationToken);
            return true;
        }
        catch (ImageServiceException e) when (e.Kind == Ec2ErrorKind.Transient)
        {
            await EndOrSetAsideAsync(job, new(null, $"sharing {homeCopy.ImageId} with account {account} failed for now: {e.Message}"), cancellationToken);
            return true;
        }

        var shared = job.SharedHomeCopyAt(homeCopy.ImageId, clock.GetUtcNow())
            .WithNotes([.. notes, $"shared: account {account} may launch the home account's copy {homeCopy.ImageId} (target mode share); it has no copy of its own"]);
        if ((await RecordAsync(job, shared, cancellationToken)).Applied)
        {
            log.LogInformation("{Job}: the home account's copy {ImageId} is shared with account {Account}", key, homeCopy.ImageId, account);
        }

        candidates.Forget(key);
        return true;
    }

    private const string AwsManagedKeyHint = "snapshots encrypted with the aws/ebs key cannot be shared: name no kmsKeyId for the destination "
        + "(its copies then use the distribution key) or a customer managed key whose policy admits the account";

    /// <summary>Whether every pair of these source regions into the destination was found with no ready job a moment ago.</summary>
    public bool NothingWaitsFrom(CopyDestination destination, IEnumerable<string> sourceRegions) =>
        sourceRegions.All(s => candidates.KnownEmpty(destination, s));

    /// <summary>Since when the longest-waiting ready job of the destination has waited for its attempt, or null when none waits.</summary>
    public async Task<DateTimeOffset?> OldestWaitingAsync(CopyDestination destination, SlotView slots, CancellationToken cancellationToken)
    {
        DateTimeOffset? oldest = null;
        foreach (var source in slots.SourcesOf(destination))
        {
            foreach (var job in await candidates.TakeAsync(destination, source, 1, slots, cancellationToken))
            {
                oldest = oldest is null || job.WaitingSinceOrCreated < oldest ? job.WaitingSinceOrCreated : oldest;
            }
        }

        return oldest;
    }

    private Task<StartOutcome> Guarded(CopyJob claimed, Func<Task<StartOutcome>> action, CancellationToken cancellationToken) =>
        steps.RunAsync(claimed, JobStep.StartCopy, action, (j, why) => GiveUpAsync(j, why, cancellationToken), StartOutcome.StepFailed, cancellationToken);

    /// <summary>
    /// EC2 is at its limit. The job keeps its claim and its slots and is repeated with the same token once the destination's
    /// back-off ends. Giving the slots back would let them go to another job while a CopyImage of this claim made by another
    /// worker (a repair, or a call that outlived the stale-claim window) may still start the copy: a copy with no slot. Held,
    /// they are idle at worst, and the back-off keeps every worker from claiming there anyway.
    /// </summary>
    private async Task<StartOutcome> BackOffAsync(CopyJob claimed, ImageServiceException e, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var until = now + BackPressureDelay;
        var key = claimed.Key;
        log.LogWarning("EC2 copy limit reached in {Destination}; {Job} keeps its claim and the destination backs off until {Until}",
            key.DestinationRegion, key, until);
        metrics.Record(ReplicatorMetrics.BackPressure, 1, key.DestinationRegion);
        await store.BackOffAsync(key.Destination, until, cancellationToken);
        // Still waiting for the same attempt: WaitingSince stays, so the waiting-time metric shows the whole wait.
        await RecordAsync(claimed, claimed with { UpdatedAt = now, NotBefore = until, LastError = $"back-pressure: {e.Message}" }, cancellationToken);
        return StartOutcome.BackPressure;
    }

    /// <summary>
    /// What CopyImage is asked. Into the home account: the source itself. Into a target account: the home account's copy in the same
    /// region, shared with the account first (launch permission and its snapshots'
    /// createVolumePermission: adding either again changes nothing), so the copy the account makes is its own.
    /// </summary>
    private async Task<CopyImageCommand> CopyCommandAsync(CopyJob claimed, CancellationToken cancellationToken)
    {
        var key = claimed.Key;
        if (key.DestinationAccount is not { } account)
        {
            return new CopyImageCommand(key.DestinationRegion, key.SourceRegion, key.SourceImageId, claimed.Name,
                claimed.Description, claimed.Encrypt, claimed.KmsKeyId, claimed.ClientToken, claimed.Tags, claimed.SnapshotCopyCompletionDurationMinutes);
        }

        var distribution = await DistributionImageAsync(key, cancellationToken)
            ?? throw new ImageServiceException(Ec2ErrorKind.Transient, "DistributionCopyNotAvailable",
                $"the home account's copy of {key.SourceImageId} in {key.DestinationRegion} is not available (yet)");
        try
        {
            await destinations.Home.AddLaunchPermissionsAsync(distribution.Region, distribution.ImageId, [new LaunchPermission(LaunchPermissionKind.UserId, account)], cancellationToken);
            foreach (var snapshot in distribution.Snapshots)
            {
                await destinations.Home.AddCreateVolumePermissionsAsync(distribution.Region, snapshot.SnapshotId, [account], cancellationToken);
            }
        }
        catch (ImageServiceException e) when (e.Kind == Ec2ErrorKind.Refused)
        {
            throw new ShareRefusedException($"the home account's copy {distribution.ImageId} in {distribution.Region} could not be shared with account {account} "
                + $"({e.Message}){(distribution.IsEncrypted ? "; " + AwsManagedKeyHint : "")}", e);
        }

        return new CopyImageCommand(key.DestinationRegion, distribution.Region, distribution.ImageId, claimed.Name,
            claimed.Description, claimed.Encrypt, claimed.KmsKeyId, claimed.ClientToken, claimed.Tags, SnapshotCopyCompletionDurationMinutes: null);
    }

    /// <summary>
    /// Whether a job may take slots now: a target account's job only once the home account's copy it copies is available (the home
    /// job read once per start); when that job ended without a copy, the reason the target account's job ends with.
    /// </summary>
    private async Task<(bool Available, string? EndReason)> DistributionAsync(CopyJobKey key, Dictionary<CopyJobKey, CopyJob?> known, CancellationToken cancellationToken)
    {
        if (key.DestinationAccount is null)
        {
            return (true, null);
        }

        var home = key with { DestinationAccount = null };
        if (!known.TryGetValue(home, out var job))
        {
            known[home] = job = await store.GetAsync(home, cancellationToken);
        }

        return job switch
        {
            { State: CopyJobState.Available } => (true, null),
            { State: CopyJobState.Failed or CopyJobState.Cancelled } => (false,
                $"the home account's copy in {key.DestinationRegion}, which this account copies, ended {job.State.ToString().ToUpperInvariant()}: {job.LastError}"),
            null => (false, $"the home account makes no copy in {key.DestinationRegion} for this source (its destination is draining or left the policy)"),
            _ => (false, null),
        };
    }

    /// <summary>What a target account copies in a region: the home account's copy there, once available.</summary>
    private async Task<ImageInfo?> DistributionImageAsync(CopyJobKey key, CancellationToken cancellationToken) =>
        await store.GetAsync(key with { DestinationAccount = null }, cancellationToken) is { State: CopyJobState.Available, TargetImageId: { } copy }
            ? await destinations.Home.DescribeImageAsync(key.DestinationRegion, copy, cancellationToken)
            : null;

    /// <summary>
    /// Another image of the account holds the name. If it is this job's own copy (its record was lost, or the answer to an
    /// earlier call), it is adopted; otherwise the copy takes the disambiguated name. Anything else ends the job.
    /// </summary>
    private async Task<StartOutcome> OnNameTakenAsync(CopyJob claimed, ImageServiceException e, CancellationToken cancellationToken)
    {
        var key = claimed.Key;
        var holder = await destinations.For(key.Destination).FindOwnImageByNameAsync(key.DestinationRegion, claimed.Name, cancellationToken);
        if (holder is not null && IsCopyFor(holder, key))
        {
            log.LogWarning("{Job}: the name {Name} is held by {ImageId}, a copy of the same source: adopting it", key, claimed.Name, holder.ImageId);
            return await RecordCopyingAsync(claimed, holder.ImageId,
                $"adopted {holder.ImageId} ({holder.State.ToString().ToLowerInvariant()}), a copy of this source that already held the name", cancellationToken);
        }

        var renamed = CopyTemplates.DisambiguatedName(claimed.Name, key);
        if (renamed == claimed.Name)
        {
            return await EndAsync(claimed, FailureCodes.CopyRefused, $"CopyImage refused: the name {claimed.Name} is held by {holder?.ImageId ?? "another image"}, "
                + $"which is not a copy of {key.SourceImageId}: {e.Message}", cancellationToken) ? StartOutcome.Ended : StartOutcome.MovedOn;
        }

        log.LogWarning("{Job}: the name {Name} is held by {ImageId}; copying as {Renamed}", key, claimed.Name, holder?.ImageId, renamed);
        var now = clock.GetUtcNow();
        var recorded = await RecordAsync(claimed, claimed.WithNote($"the name {claimed.Name} was held by {holder?.ImageId ?? "another image"}; copied as {renamed}")
            with
        { Name = renamed, UpdatedAt = now, CopyCalledAt = now }, cancellationToken);
        return recorded is { Applied: true, Job: { } renamedJob } ? await CallCopyImageAsync(renamedJob, cancellationToken) : StartOutcome.MovedOn;
    }

    /// <summary>An image EC2 made by copying this job's source: by its provenance tags, or by the source EC2 records on it.</summary>
    public static bool IsCopyFor(ImageInfo image, CopyJobKey key) =>
        image.Tags.TryGetValue(ProvenanceTags.SourceImageId, out var sourceImageId)
            ? sourceImageId == key.SourceImageId && image.Tags.GetValueOrDefault(ProvenanceTags.SourceRegion) == key.SourceRegion
            : image.CopiedFromImageId == key.SourceImageId && image.CopiedFromRegion == key.SourceRegion;

    private async Task<StartOutcome> RecordCopyingAsync(CopyJob claimed, string targetImageId, string? note, CancellationToken cancellationToken)
    {
        var started = clock.GetUtcNow();
        var copying = claimed.MoveTo(CopyJobState.Copying, started) with
        {
            TargetImageId = targetImageId,
            ImageToRemove = null,
            CopyStartedAt = started,
            LastError = null,
        };
        if (!(await RecordAsync(claimed, note is null ? copying : copying.WithNote(note), cancellationToken)).Applied)
        {
            return await OnCopyOfMovedClaimAsync(claimed.Key, targetImageId, cancellationToken);
        }

        log.LogInformation("Copy of {Job} started as {TargetImageId} (attempt {Attempt})", claimed.Key, targetImageId, claimed.Attempt);
        return StartOutcome.Started;
    }

    /// <summary>
    /// EC2 started a copy, but the job moved while the call was in flight. A cancel requested meanwhile ends the job now with the copy
    /// removed; a job that ended some other way without naming the copy gets it as its image to remove, so no image is left that no job
    /// names. Anything else (another worker recorded the same copy, or repeats the call) stands.
    /// </summary>
    private async Task<StartOutcome> OnCopyOfMovedClaimAsync(CopyJobKey key, string targetImageId, CancellationToken cancellationToken)
    {
        switch (await store.GetAsync(key, cancellationToken))
        {
            case { State: CopyJobState.Claimed, CancelRequested: { } reason } cancelled:
                log.LogWarning("{Job}: cancelled while CopyImage was in flight; its copy {TargetImageId} is removed", key, targetImageId);
                return await finisher.CancelAsync(cancelled with { ImageToRemove = targetImageId }, $"{reason}; the copy {targetImageId} it had started was removed", cancellationToken) == CopyOutcome.Cancelled
                    ? StartOutcome.Ended
                    : StartOutcome.MovedOn;
            case { } ended when ended.State.IsTerminal() && ended.TargetImageId != targetImageId && ended.ImageToRemove is null:
                log.LogError("{Job} ended {State} while CopyImage was in flight; its copy {TargetImageId} is removed", key, ended.State, targetImageId);
                var orphan = ended.WithNote($"{targetImageId}, started by a CopyImage call in flight when the job ended, removed with its snapshots")
                    with
                { ImageToRemove = targetImageId, UpdatedAt = clock.GetUtcNow() };
                if (await RecordAsync(ended, orphan, cancellationToken) is { Applied: true, Job: { } recorded })
                {
                    await finisher.CleanUpAsync(recorded, cancellationToken);
                }

                return StartOutcome.MovedOn;
            default:
                return StartOutcome.MovedOn;
        }
    }

    /// <summary>
    /// CopyImage kept failing for this claim. If EC2 did start the copy (an answer lost every time), the image with the job's
    /// name is adopted; otherwise the job ends FAILED and gives its slots back.
    /// </summary>
    private async Task<StartOutcome> GiveUpAsync(CopyJob job, string reason, CancellationToken cancellationToken)
    {
        if (job.State == CopyJobState.Claimed
            && await destinations.For(job.Key.Destination).FindOwnImageByNameAsync(job.Key.DestinationRegion, job.Name, cancellationToken) is { } image
            && IsCopyFor(image, job.Key))
        {
            return await RecordCopyingAsync(job, image.ImageId, $"adopted {image.ImageId}, which CopyImage had started while its answers were lost", cancellationToken);
        }

        return await EndAsync(job, FailureCodes.StepFailed, reason, cancellationToken) ? StartOutcome.Ended : StartOutcome.MovedOn;
    }

    private async Task<bool> EndAsync(CopyJob job, string failureCode, string reason, CancellationToken cancellationToken) =>
        (await RecordAsync(job, job.FailWith(failureCode, reason, clock.GetUtcNow()), cancellationToken)).Applied;

    /// <summary>The home account's copy could not be shared with the target account: no retry changes that.</summary>
    private sealed class ShareRefusedException(string message, Exception inner) : Exception(message, inner);

    private async Task<TransitionResult> RecordAsync(CopyJob from, CopyJob to, CancellationToken cancellationToken)
    {
        var result = await store.TransitionAsync(from, to, policy.BudgetFor(from.Key.Destination), cancellationToken);
        if (!result.Applied)
        {
            // Another worker (a duplicate delivery, the reconciler) recorded this attempt first; its record stands.
            log.LogInformation("{Job} was moved on by another worker ({Status}); nothing recorded", from.Key, result.Status);
        }

        return result;
    }
}
