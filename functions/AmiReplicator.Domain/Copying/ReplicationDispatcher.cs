using AmiReplicator.Domain.Images;
using AmiReplicator.Domain.Jobs;
using AmiReplicator.Domain.Lifecycle;
using AmiReplicator.Domain.Policy;
using AmiReplicator.Domain.Slots;
using Microsoft.Extensions.Logging;

namespace AmiReplicator.Domain.Copying;

/// <summary>Turns one replication request into one copy job per destination and starts what the budgets allow.</summary>
public sealed class ReplicationDispatcher(
    ICopyJobStore store,
    DestinationImages destinations,
    IKeyGateway keys,
    CopyStarter starter,
    CopyFinisher finisher,
    ReplicationPolicy policy,
    string ownAccountId,
    TimeProvider clock,
    ILogger<ReplicationDispatcher> log,
    LifecycleFollower? follower = null)
{
    /// <summary>A new invocation: its view of the slots is read the first time a message needs it.</summary>
    /// <param name="startsTogether">The new jobs of the invocation's messages wait for <see cref="StartTogetherAsync"/> (see <see cref="DispatchInvocation.StartsTogether"/>).</param>
    public DispatchInvocation NewInvocation(bool startsTogether = false) => new(store, policy, startsTogether);

    /// <summary>Most ids one DescribeImages (an image-id filter) or DescribeSnapshots of the read-ahead names.</summary>
    private const int IdsPerRead = 100;

    /// <summary>
    /// How long a batch's read-ahead may take at most (a few calls of a fraction of a second each, unless EC2 throttles them):
    /// past it, each message reads its own, which is what the dispatcher's timeout is sized for (infra's DispatcherTiming adds it).
    /// </summary>
    public static readonly TimeSpan ReadAheadBudget = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Reads the images a batch's messages name (the home account's, by region) with one DescribeImages per region, and the
    /// snapshot tags of the account's own sources among them with one DescribeSnapshots per region, rather than each message its
    /// own: a burst's AMIs gathered in one batch are read in a few calls. Best effort: what a read-ahead call could not read (an
    /// error, an image not visible yet, the <see cref="ReadAheadBudget"/> spent), each message reads itself as before, with its own
    /// error, so one bad message holds back no other.
    /// </summary>
    public async Task ReadAheadAsync(IEnumerable<ReplicationRequest> requests, IEnumerable<ImageEvent> changes, DispatchInvocation invocation, CancellationToken cancellationToken)
    {
        using var budget = new CancellationTokenSource(ReadAheadBudget, clock);
        using var readAhead = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, budget.Token);
        try
        {
            await ReadImagesAheadAsync(requests, changes, invocation, readAhead.Token);
        }
        catch (OperationCanceledException) when (budget.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            log.LogWarning("Reading the batch's images ahead took longer than {Budget}; the messages not read ahead read their own", ReadAheadBudget);
        }
    }

    private async Task ReadImagesAheadAsync(IEnumerable<ReplicationRequest> requests, IEnumerable<ImageEvent> changes, DispatchInvocation invocation, CancellationToken cancellationToken)
    {
        // A target account's AMIs are read with its role, one event at a time: they are not read ahead.
        var named = requests.Select(r => (Region: r.SourceRegion, ImageId: r.SourceImageId))
            .Concat(changes.Where(c => c.Account is null || c.Account == ownAccountId).Select(c => (c.Region, c.ImageId)));
        foreach (var region in named.Distinct().GroupBy(n => n.Region, StringComparer.Ordinal))
        {
            foreach (var ids in region.Select(n => n.ImageId).Chunk(IdsPerRead))
            {
                if (await ReadAheadOrNullAsync(() => destinations.Home.DescribeImagesAsync(region.Key, ids, cancellationToken), "images", region.Key) is not { } images)
                {
                    continue;
                }

                invocation.ReadAhead(region.Key, ids, images);
                // The snapshot tags a home copy gets: of the account's own sources the policy copies (a request by hand for another reads its own).
                var sources = images.Values.Where(i => i.OwnerId == ownAccountId && i.State == ImageState.Available && !ProvenanceTags.IsReplicatorCopy(i.Tags)
                    && (policy.SourceRegions.Count == 0 || policy.SourceRegions.Contains(i.Region)) && policy.Selection.Excludes(i, ownAccountId) is null);
                foreach (var snapshotIds in sources.SelectMany(SourceSnapshotTagReader.SnapshotIds).Distinct(StringComparer.Ordinal).Chunk(IdsPerRead))
                {
                    if (await ReadAheadOrNullAsync(() => destinations.Home.GetSnapshotTagsAsync(region.Key, snapshotIds, cancellationToken), "snapshot tags", region.Key) is { } tags)
                    {
                        invocation.ReadAhead(region.Key, tags);
                    }
                }
            }
        }
    }

    private async Task<T?> ReadAheadOrNullAsync<T>(Func<Task<T>> read, string what, string region)
        where T : class
    {
        try
        {
            return await read();
        }
        catch (ImageServiceException e)
        {
            log.LogWarning("Reading the batch's {What} in {Region} ahead failed ({Error}); each message reads its own", what, region, e.Message);
            return null;
        }
    }

    /// <summary>Starts the new jobs the invocation's messages put aside, in start order across all of them; answers how many started.</summary>
    public async Task<int> StartTogetherAsync(DispatchInvocation invocation, CancellationToken cancellationToken) =>
        (await StartNewAsync(invocation.TakeJobsToStart(), invocation, cancellationToken)).Count;

    /// <summary>A replication asked for by hand (or an available AMI's event, once known not to be a copy of ours).</summary>
    public async Task<DispatchReport> DispatchAsync(ReplicationRequest request, DispatchInvocation invocation, CancellationToken cancellationToken)
    {
        // The whole request is checked before anything is written: a request that cannot be done in full writes nothing.
        var destinations = DestinationsFor(request);
        var source = await ReadSourceAsync(request.SourceRegion, request.SourceImageId, invocation, absentIsGone: false, cancellationToken)
            ?? throw new RequestFailedException($"source AMI {request.SourceImageId} does not exist in {request.SourceRegion}", permanent: true);
        return await ReplicateAsync(source, request, destinations, invocation, cancellationToken);
    }

    /// <summary>
    /// An AMI became available or failed, or was disabled or deregistered. One of the replicator's own copies finishes its job at once
    /// (and frees its slot for waiting work) instead of starting new copies; any other available AMI is replicated by the policy, and
    /// a source withdrawn (or enabled again) is followed by its copies as the policy's lifecycle asks.
    /// </summary>
    public async Task<DispatchReport> OnImageChangedAsync(ImageEvent change, DispatchInvocation invocation, CancellationToken cancellationToken)
    {
        if (change.Account is { } account && account != ownAccountId)
        {
            return await OnTargetAccountImageChangedAsync(change, new CopyDestination(change.Region, account), invocation, cancellationToken);
        }

        var image = await ReadSourceAsync(change.Region, change.ImageId, invocation, absentIsGone: !change.IsAvailable, cancellationToken);
        if (change.IsWithdrawal)
        {
            return await OnWithdrawnAsync(change, image, cancellationToken);
        }

        if (image is null)
        {
            return change.IsAvailable
                ? throw new RequestFailedException($"AMI {change.ImageId} is not visible in {change.Region} yet", permanent: false)
                : DispatchReport.Ignored($"{change.ImageId} in {change.Region} failed and is gone");
        }

        if (OwnCopyJobKey(image) is { } key)
        {
            return await FinishOwnCopyAsync(key, image, invocation, cancellationToken);
        }

        if (!change.IsAvailable)
        {
            return DispatchReport.Ignored($"{change.ImageId} in {change.Region} failed; it is not a copy made by the replicator");
        }

        var report = await ReplicateAsync(image, change.AsRequest(), DestinationsFor(change.AsRequest()), invocation, cancellationToken);
        if (follower is not null && report.Jobs.Any(j => j.DisabledWithSource))
        {
            // Enabled again (EnableImage raises 'available'): the copies disabled with it come back.
            await follower.FollowSourceAsync(change.Region, change.ImageId, image, cancellationToken);
        }

        return report;
    }

    /// <summary>
    /// An AMI of another account changed: a target account's spoke forwards its AMIs' ends to the home account's bus. One of the
    /// replicator's copies there finishes its job, read with the account's credentials; nothing of another account is ever a source.
    /// </summary>
    private async Task<DispatchReport> OnTargetAccountImageChangedAsync(ImageEvent change, CopyDestination target, DispatchInvocation invocation,
        CancellationToken cancellationToken)
    {
        if (policy.FindDestination(target) is null)
        {
            return DispatchReport.Ignored($"{change.ImageId} of account {target.Account} in {target.Region} is now {change.State}; "
                + "that (account, region) is not one of the policy's targets, and AMIs of other accounts are never sources");
        }

        var image = change.IsWithdrawal ? null : await destinations.For(target).DescribeImageAsync(target.Region, change.ImageId, cancellationToken);
        return image is not null && OwnCopyJobKey(image) is { } key
            ? await FinishOwnCopyAsync(key with { DestinationAccount = target.Account }, image, invocation, cancellationToken)
            : DispatchReport.Ignored($"{change.ImageId} of account {target.Account} in {target.Region} is now {change.State}; "
                + "only the replicator's copies in a target account concern it");
    }

    /// <summary>A source disabled or deregistered: its copies follow now, as the policy's lifecycle asks (the sweep is the backstop).</summary>
    private async Task<DispatchReport> OnWithdrawnAsync(ImageEvent change, ImageInfo? image, CancellationToken cancellationToken)
    {
        if (image is not null && ProvenanceTags.IsReplicatorCopy(image.Tags))
        {
            return DispatchReport.Ignored($"{change.ImageId} in {change.Region}, a copy made by the replicator, is now {change.State}");
        }

        var lifecycle = policy.Lifecycle;
        if (follower is null || !(change.State == ImageEvent.Disabled ? lifecycle.DisableWithSource : lifecycle.DeregisterWithSource))
        {
            return DispatchReport.Ignored($"{change.ImageId} in {change.Region} is now {change.State}; its copies stay as they are "
                + $"(lifecycle.{(change.State == ImageEvent.Disabled ? "disableWithSource" : "deregisterWithSource")} is off)");
        }

        var report = await follower.FollowSourceAsync(change.Region, change.ImageId, image, cancellationToken);
        return DispatchReport.Ignored($"{change.ImageId} in {change.Region} is now {change.State}; its copies followed: {report}");
    }

    /// <summary>
    /// The source as EC2 describes it (null: unknown), as the batch read it ahead if it did. One the read ahead did not find is read
    /// again (EC2 may show a new AMI a moment after its event) unless <paramref name="absentIsGone"/> (the event says it was
    /// deregistered). EC2 refusing to describe it (a region the account has not enabled answers AuthFailure or OptInRequired; a
    /// denied one UnauthorizedOperation) is for good: no redelivery changes that.
    /// </summary>
    private async Task<ImageInfo?> ReadSourceAsync(string region, string imageId, DispatchInvocation invocation, bool absentIsGone, CancellationToken cancellationToken)
    {
        var (asked, image) = invocation.ImageRead(region, imageId);
        if (image is not null || (asked && absentIsGone))
        {
            return image;
        }

        try
        {
            return await destinations.Home.DescribeImageAsync(region, imageId, cancellationToken);
        }
        catch (ImageServiceException e) when (e.Kind == Ec2ErrorKind.Refused)
        {
            var hint = e.Code is "AuthFailure" or "OptInRequired"
                ? $"is {region} enabled for this account? Enable the region (Account settings, or `aws account enable-region`), then ask again"
                : "allow the replicator's role to read it, then ask again";
            throw new RequestFailedException($"source region {region} refuses to describe {imageId} ({e.Message}): {hint}", permanent: true);
        }
    }

    /// <summary>The job a copy of ours belongs to: by its provenance tags, or by the source EC2 reports on the copy.</summary>
    private static CopyJobKey? OwnCopyJobKey(ImageInfo image)
    {
        if (image.Tags.TryGetValue(ProvenanceTags.SourceImageId, out var sourceImageId)
            && image.Tags.TryGetValue(ProvenanceTags.SourceRegion, out var sourceRegion))
        {
            return new CopyJobKey(sourceRegion, sourceImageId, image.Region);
        }

        return image is { CopiedFromImageId: { } copiedFrom, CopiedFromRegion: { } copiedFromRegion }
            ? new CopyJobKey(copiedFromRegion, copiedFrom, image.Region)
            : null;
    }

    private async Task<DispatchReport> FinishOwnCopyAsync(CopyJobKey key, ImageInfo copy, DispatchInvocation invocation, CancellationToken cancellationToken)
    {
        var job = await store.GetAsync(key, cancellationToken);
        if (job is null || job.TargetImageId != copy.ImageId)
        {
            // EC2 names a source on every copy, also those others made: only a job's own target is ours. A target account's AMI is
            // never replicated.
            if (ProvenanceTags.IsReplicatorCopy(copy.Tags) || key.DestinationAccount is not null)
            {
                return DispatchReport.Ignored($"{copy.ImageId} is a copy made by the replicator ({key}); copies are never replicated again");
            }

            var request = new ReplicationRequest(copy.Region, copy.ImageId, null, "eventbridge", "EC2 AMI State Change: available", RequestOrigin.Event);
            return await ReplicateAsync(copy, request, DestinationsFor(request), invocation, cancellationToken);
        }

        if (job.State != CopyJobState.Copying)
        {
            return DispatchReport.Ignored($"{copy.ImageId} is the replicator's copy for {key}, which is {job.State} already; copies are never replicated again");
        }

        // A finishing step that fails is recorded on the job and retried by the poller: the event itself has been handled.
        var outcome = await finisher.AdvanceAsync(job, copy, cancellationToken);
        var started = 0;
        if (outcome.ReleasedSlots() && policy.FindOpenDestination(key.Destination) is not null)
        {
            // The slots this copy held are free now: waiting work takes them at once, not at the poller's next pass. The copy's own
            // pair goes first (no counter read needed for that); only if it has nothing ready are the counters read for another pair.
            invocation.Released(key);
            started = (await starter.StartWaitingAsync(key.Destination, invocation.Loaded ?? SlotView.JustFreed(key, policy), [], cancellationToken)).Count;
            if (started == 0 && invocation.Loaded is null
                && !starter.NothingWaitsFrom(key.Destination, policy.SourceRegions.Where(s => s != key.DestinationRegion)))
            {
                started = (await starter.StartWaitingAsync(key.Destination, await invocation.GetAsync(cancellationToken), [], cancellationToken)).Count;
            }
        }

        log.LogInformation("Event for {TargetImageId}: {Job} {Outcome}; {Started} waiting jobs started", copy.ImageId, key, outcome, started);
        return DispatchReport.Ignored($"{copy.ImageId} is the replicator's copy for {key} ({outcome}); copies are never replicated again");
    }

    private async Task<DispatchReport> ReplicateAsync(ImageInfo source, ReplicationRequest request, List<Destination> destinations,
        DispatchInvocation invocation, CancellationToken cancellationToken)
    {
        if (ProvenanceTags.IsReplicatorCopy(source.Tags))
        {
            return DispatchReport.Ignored($"{source.ImageId} is a copy made by the replicator (from {source.Tags[ProvenanceTags.SourceImageId]}); copies are never replicated again");
        }

        switch (source.State)
        {
            case ImageState.Available:
                break;
            case ImageState.Pending:
                throw new RequestFailedException($"source AMI {source.ImageId} is pending, not available yet", permanent: false);
            case ImageState.Disabled:
                throw new RequestFailedException($"source AMI {source.ImageId} in {source.Region} is disabled: EC2 copies only available AMIs; "
                    + "enable it (EnableImage) and ask again", permanent: true);
            default:
                throw new RequestFailedException($"source AMI {source.ImageId} in {source.Region} is {source.State.ToString().ToLowerInvariant()}: there is nothing to copy", permanent: true);
        }

        if (request.Origin.IsSelected() && policy.SourceRegions.Count > 0 && !policy.SourceRegions.Contains(source.Region))
        {
            return DispatchReport.Ignored($"{source.ImageId} is in {source.Region}, which is not one of the policy's source regions");
        }

        if (request.Origin.IsSelected() && policy.Selection.Excludes(source, ownAccountId) is { } exclusion)
        {
            return DispatchReport.Ignored($"{source.ImageId} is not selected by the policy: {exclusion}");
        }

        if (destinations.Count == 0)
        {
            return new DispatchReport([], null);
        }

        var now = clock.GetUtcNow();
        var sharing = await ReadSharingAsync(source, cancellationToken);
        var unusableKeys = await UnusableKeysAsync(source, cancellationToken);
        var snapshotTags = await ReadSnapshotTagsAsync(source, destinations, invocation, cancellationToken);
        var recorded = await store.CreateAllIfAbsentAsync(
            [.. destinations.Select(d => NewJob(source, d, request, sharing, unusableKeys, snapshotTags, now))], cancellationToken);
        var jobs = new List<CopyJob>();
        foreach (var ((job, created), destination) in recorded.Zip(destinations))
        {
            if (created)
            {
                log.LogInformation("Recorded {Job} as {State}{Error}", job.Key, job.State, job.LastError is null ? "" : $": {job.LastError}");
                jobs.Add(job);
            }
            else if (request.Origin == RequestOrigin.Manual && await WhyAgainAsync(job, source, destination, cancellationToken) is { } why)
            {
                jobs.Add(await StartOverAsync(job, source, destination, request, sharing, unusableKeys, snapshotTags, why, now, cancellationToken) ?? job);
            }
            else
            {
                jobs.Add(job);
            }
        }

        // A job held for its rollout wave goes along unstarted, so its pair has its counters: that is how the passes find it once its
        // wave starts.
        var ready = jobs.Where(j => j.State == CopyJobState.Waiting && (j.IsReadyAt(now) || j.Held)).ToList();
        if (invocation.StartsTogether)
        {
            invocation.StartLater(ready);
            return new DispatchReport(jobs, null);
        }

        var started = await StartNewAsync(ready, invocation, cancellationToken);
        return new DispatchReport([.. jobs.Select(j => started.Contains(j.Key) ? j with { State = CopyJobState.Copying } : j)], null);
    }

    /// <summary>Each new job starts now if its destination and pair have room and no job of its pair that goes before it waits.</summary>
    private async Task<HashSet<CopyJobKey>> StartNewAsync(IReadOnlyList<CopyJob> ready, DispatchInvocation invocation, CancellationToken cancellationToken)
    {
        var started = new HashSet<CopyJobKey>();
        foreach (var destination in ready.GroupBy(j => j.Key.Destination))
        {
            var view = await invocation.GetAsync(cancellationToken);
            started.UnionWith((await starter.StartWaitingAsync(destination.Key, view, [.. destination], cancellationToken)).Select(j => j.Key));
        }

        return started;
    }

    /// <summary>A new job for one destination, carrying the source's snapshot tags its copy gets (a home copy of the account's own source only).</summary>
    private CopyJob NewJob(ImageInfo source, Destination destination, ReplicationRequest request, SourceSharing sharing, IReadOnlyList<string> unusableKeys,
        IReadOnlyList<SourceSnapshotTags> snapshotTags, DateTimeOffset now) =>
        CopyRules.NewJob(source, destination, policy, request, ownAccountId, sharing, unusableKeys, now) with
        {
            SourceSnapshotTags = destination.Account is null ? snapshotTags : [],
        };

    /// <summary>
    /// The tags of the source's snapshots, read once for all its destinations (one DescribeSnapshots), when a home copy of the
    /// account's own source will get them; another account's snapshot tags are that account's, and a target account's copy gets none.
    /// </summary>
    private async Task<IReadOnlyList<SourceSnapshotTags>> ReadSnapshotTagsAsync(ImageInfo source, IReadOnlyList<Destination> copiedTo, DispatchInvocation invocation,
        CancellationToken cancellationToken) =>
        source.OwnerId == ownAccountId && copiedTo.Any(d => d.Account is null)
            ? invocation.SnapshotTagsRead(source) ?? await SourceSnapshotTagReader.ReadAsync(destinations.Home, source, cancellationToken)
            : [];

    /// <summary>The source's launch permissions, read once for all its destinations; only the owner of an AMI may read them.</summary>
    private async Task<SourceSharing> ReadSharingAsync(ImageInfo source, CancellationToken cancellationToken)
    {
        if (source.OwnerId != ownAccountId)
        {
            // EC2 answers AuthFailure to DescribeImageAttribute on an image the account does not own: whom the owner shares it with is theirs to know.
            return SourceSharing.NotReadable($"the source belongs to account {source.OwnerId}, and only its owner can read them");
        }

        try
        {
            return SourceSharing.Read(await destinations.Home.GetLaunchPermissionsAsync(source.Region, source.ImageId, cancellationToken));
        }
        catch (ImageServiceException e) when (e.Kind is Ec2ErrorKind.Refused or Ec2ErrorKind.NotFound)
        {
            return SourceSharing.NotReadable($"the source's could not be read ({e.Message})");
        }
    }

    /// <summary>
    /// The KMS keys of a shared source the account may not use, each with KMS's reason, read once for all its destinations in the
    /// source's region. A KMS error other than a refusal fails the request, which is delivered again.
    /// </summary>
    private async Task<IReadOnlyList<string>> UnusableKeysAsync(ImageInfo source, CancellationToken cancellationToken)
    {
        var unusable = new List<string>();
        foreach (var key in CopyRules.KeysToCheck(source, ownAccountId))
        {
            if (await keys.WhyUnusableAsync(source.Region, key, cancellationToken) is { } why)
            {
                unusable.Add($"{key}: {why}");
            }
        }

        return unusable;
    }

    /// <summary>The destinations a request asks for, all in the policy (else nothing is done), the source region left out.</summary>
    private List<Destination> DestinationsFor(ReplicationRequest request)
    {
        var asked = (request.Destinations ?? policy.Destinations.Where(d => d.TakesNewCopies).Select(d => d.Region).ToList())
            .Distinct().Where(r => r != request.SourceRegion).ToList();
        if (asked.Count == 0 && request.Destinations is not null)
        {
            throw new RequestFailedException($"the only destination asked, {request.SourceRegion}, is the source's own region: there is nothing to copy", permanent: true);
        }

        var found = asked.Select(r => (Region: r, Destination: policy.FindOpenDestination(CopyDestination.Home(r)))).ToList();
        var outside = found.Where(f => f.Destination is null).Select(f => f.Region).ToList();
        if (outside.Count > 0)
        {
            throw new RequestFailedException(
                $"{(outside.Count == 1 ? "destination" : "destinations")} {string.Join(", ", outside)} {(outside.Count == 1 ? "is" : "are")} not in the replication policy "
                + $"or draining (it copies to: {string.Join(", ", policy.Destinations.Where(d => d.TakesNewCopies).Select(d => d.Region))}); nothing was done", permanent: true);
        }

        // Target accounts copy the home account's copy in their region, so they come with the policy's destinations only (a request
        // by hand naming regions asks for the home account's copies there), and only where the home account makes a copy now: never
        // in the source's own region (docs/known-issues.md), nor where its destination is draining.
        var targets = request.Destinations is null
            ? policy.Targets.SelectMany(t => t.Destinations()).Where(d => found.Any(f => f.Region == d.Region))
            : [];
        return [.. found.Select(f => f.Destination).OfType<Destination>(), .. targets];
    }

    /// <summary>
    /// Why a job asked for again by hand starts over: it failed, was cancelled, its copy is gone, or the destination's encryption
    /// changed since its copy was made (copies are independent of their source and policy once made: the guide's "recopy"). Null: it
    /// stands as it is.
    /// </summary>
    private async Task<Again?> WhyAgainAsync(CopyJob job, ImageInfo source, Destination destination, CancellationToken cancellationToken) => job.State switch
    {
        CopyJobState.Failed => new($"it had failed: {job.LastError}"),
        CopyJobState.Cancelled => new($"it had been cancelled: {job.LastError}"),
        CopyJobState.Available when job.TargetImageId is { } target
            && await destinations.For(job.Key.Destination).DescribeImageAsync(job.Key.DestinationRegion, target, cancellationToken) is not { State: not ImageState.Deregistered }
            => new($"its copy {target} was deregistered"),
        CopyJobState.Available when CopyRules.EncryptionFor(source, destination, policy) != (job.Encrypt, job.KmsKeyId)
            => new($"{destination.Region}'s encryption changed since its copy {job.TargetImageId} was made, which stays as it is", CopyStays: true),
        _ => null,
    };

    /// <param name="CopyStays">The job's copy stays in the destination (under its name) beside the new one.</param>
    private sealed record Again(string Why, bool CopyStays = false);

    private async Task<CopyJob?> StartOverAsync(CopyJob ended, ImageInfo source, Destination destination, ReplicationRequest request, SourceSharing sharing,
        IReadOnlyList<string> unusableKeys, IReadOnlyList<SourceSnapshotTags> snapshotTags, Again why, DateTimeOffset now, CancellationToken cancellationToken)
    {
        // Planned afresh from the source as read for this request: it or the policy may have changed since, and a refusal is checked again.
        var again = NewJob(source, destination, request, sharing, unusableKeys, snapshotTags, now);
        var retry = again with
        {
            // A copy made before that stays keeps its name (a copy stands on its own): the new one takes the name that says its source.
            Name = why.CopyStays ? CopyTemplates.DisambiguatedName(again.Name, ended.Key) : again.Name,
            Version = ended.Version,
            Attempt = ended.Attempt + 1,
            CreatedAt = ended.CreatedAt,
            Notes = [.. ended.Notes, $"asked again by {request.RequestedBy}: {why.Why}", .. again.Notes],
        };
        var result = await store.TransitionAsync(ended, retry, policy.BudgetFor(ended.Key.Destination), cancellationToken);
        log.LogInformation("{Job} asked again by {RequestedBy} ({Why}): {Status}", ended.Key, request.RequestedBy, why.Why, result.Status);
        return result.Job;
    }
}
