using System.Security.Cryptography;
using System.Text;

namespace AmiReplicator.Domain.Jobs;

public sealed record CopyJob
{
    public required CopyJobKey Key { get; init; }
    public required CopyJobState State { get; init; }

    /// <summary>Optimistic concurrency: every write is conditional on the version it read.</summary>
    public long Version { get; init; }

    public required string Name { get; init; }
    public required string Description { get; init; }
    public bool Encrypt { get; init; }
    public string? KmsKeyId { get; init; }

    /// <summary>Tags the copy must carry: the source's user tags, provenance, the policy's extra tags.</summary>
    public IReadOnlyDictionary<string, string> Tags { get; init; } = new Dictionary<string, string>();

    /// <summary>
    /// The source's launch permissions, read once per source AMI when the copy was asked for and applied when it is available;
    /// null when the account could not read them (an AMI another account owns).
    /// </summary>
    public IReadOnlyList<Images.LaunchPermission>? LaunchPermissions { get; init; }

    /// <summary>
    /// The tags of the source's snapshots, by device, as read when the copy was asked for: what the copy's snapshots are given when it
    /// is finished. Empty: nothing to give (another account's source, no snapshot, or a target account's copy). Null: not recorded
    /// (a job recorded before they were kept), so finishing reads the source's snapshots then.
    /// </summary>
    public IReadOnlyList<SourceSnapshotTags>? SourceSnapshotTags { get; init; }

    /// <summary>The source's deprecation time when the copy was asked for, carried to the copy.</summary>
    public DateTimeOffset? SourceDeprecationTime { get; init; }

    /// <summary>The source's deregistration protection as last seen (when asked for, then by each sweep): what its copy carries.</summary>
    public Images.DeregistrationProtection SourceDeregistrationProtection { get; init; }

    /// <summary>Who owns the source: only an own source that is gone is known to be deregistered (another account's may just be unshared).</summary>
    public string? SourceOwnerId { get; init; }

    /// <summary>The source's snapshot GiB: among jobs that became ready in the same minute, larger copies start first.</summary>
    public int SizeGiB { get; init; }

    /// <summary>A time-based copy: the completion duration CopyImage is given (from the destination's policy when the job was made).</summary>
    public int? SnapshotCopyCompletionDurationMinutes { get; init; }

    /// <summary>
    /// The time-based copy throughput (MiB/s) this job commits on its source->destination counter while it holds its slots, from
    /// the source's snapshot sizes (0: not time-based).
    /// </summary>
    public int SnapshotCopyMiBps { get; init; }

    public required string RequestedBy { get; init; }
    public string? Reason { get; init; }

    /// <summary>Copy attempt (1-based); the ClientToken derives from it, so repeating a call of one attempt never makes a second image.</summary>
    public int Attempt { get; init; } = 1;

    public string? TargetImageId { get; init; }

    /// <summary>The image a copying job's copy goes into: by the state machine a COPYING job always names one.</summary>
    public string RequireTargetImageId() => TargetImageId ?? throw new InvalidOperationException($"{Key} is {State} without a target image");

    /// <summary>
    /// An image of this job that must go, with its snapshots: the failed image of the previous attempt (deregistered before the
    /// next CopyImage, since it holds the name), or the copy of a job that ended without it (removed by the poller's cleanup).
    /// </summary>
    public string? ImageToRemove { get; init; }

    /// <summary>
    /// A target account's job ended after it may have been given the home account's copy to copy from (a launch permission, and
    /// its snapshots' createVolumePermission): the share is removed by the cleanup that removes <see cref="ImageToRemove"/>, and
    /// the job is listed among the active ones until then.
    /// </summary>
    public bool ShareToRemove { get; init; }

    /// <summary>
    /// A target in share mode: the account was given launch permission on the home account's copy, which <see cref="TargetImageId"/>
    /// names, and has no copy of its own. The share stays as long as the job is AVAILABLE so (no cleanup takes it back).
    /// </summary>
    public bool SharedHomeCopy { get; init; }

    /// <summary>Whether the ended job still has something to clean up (the poller's cleanup lists it until then).</summary>
    public bool NeedsCleanUp => ImageToRemove is not null || ShareToRemove;

    /// <summary>The time a listing by state orders the job by: since when it waits, for a waiting job; its last change otherwise.</summary>
    public DateTimeOffset StateSortTime => State == CopyJobState.Waiting ? WaitingSinceOrCreated : UpdatedAt;

    /// <summary>
    /// When the job's record may be forgotten, kept <paramref name="retention"/> after it ended (null: kept forever, or not ended).
    /// A job with something left to clean up is never forgotten: the cleanup must find it, so it only expires from the write that
    /// says the cleanup is done.
    /// </summary>
    public DateTimeOffset? ExpiresAt(TimeSpan? retention) =>
        retention is { } keep && State.IsTerminal() && !NeedsCleanUp ? (CompletedAt ?? UpdatedAt) + keep : null;

    public required DateTimeOffset CreatedAt { get; init; }
    public required DateTimeOffset UpdatedAt { get; init; }

    /// <summary>When the current attempt began to wait for a slot: back-pressure does not reset it, a new attempt does.</summary>
    public DateTimeOffset? WaitingSince { get; init; }

    /// <summary>The rollout wave of the job's account (see <see cref="Policy.RolloutPolicy"/>); null: the policy has no rollout.</summary>
    public int? Wave { get; init; }

    /// <summary>
    /// A waiting job whose wave has not started: no worker picks it (it is not among the waiting jobs of its destination) until its
    /// distribution's progress lets its wave go (<see cref="Copying.DistributionProgress"/>).
    /// </summary>
    public bool Held { get; init; }

    /// <summary>A waiting job is not started before this time (back-pressure, retry backoff).</summary>
    public DateTimeOffset? NotBefore { get; init; }

    public DateTimeOffset? ClaimedAt { get; init; }

    /// <summary>
    /// When the latest CopyImage call of this claim may have started: written by the claim, and by each repeat of the call before it
    /// is made. A call in flight can start a copy until the worker making it is gone (<see cref="Copying.CopyStarter.MaxCallInFlight"/> later).
    /// </summary>
    public DateTimeOffset? CopyCalledAt { get; init; }

    /// <summary>
    /// Who cancelled a claimed job, and why. The claim keeps its slots until the copy its CopyImage call may have started is found and
    /// removed, or until no call can still start one; then it ends CANCELLED with this reason.
    /// </summary>
    public string? CancelRequested { get; init; }
    public DateTimeOffset? CopyStartedAt { get; init; }
    public DateTimeOffset? CompletedAt { get; init; }
    public string? LastError { get; init; }

    /// <summary>
    /// Why a FAILED job failed, as one of <see cref="FailureCodes"/> (null in every other state, and on jobs ended before codes), or
    /// <see cref="FailureCodes.TargetRemoved"/> on a job CANCELLED because its account left the target.
    /// </summary>
    public string? FailureCode { get; init; }

    /// <summary>The replicator disabled the copy because its source was disabled: it enables it again (shares put back) when the source is.</summary>
    public bool DisabledWithSource { get; init; }

    /// <summary>Passes in a row in which the job's current step raised an error; after a bounded number the job is ended.</summary>
    public int StepFailures { get; init; }

    /// <summary>What was done or could not be done on the copy (e.g. a launch permission refused).</summary>
    public IReadOnlyList<string> Notes { get; init; } = [];

    /// <summary>
    /// The idempotency token of this attempt's CopyImage call (at most 64 ASCII characters). The name is part of it: a copy
    /// renamed after EC2 refused the name is a different request, which EC2 must not take for a repeat. So is the job's
    /// creation time: a job recorded anew for the same source and destination (its record was lost) starts from attempt 1
    /// again, and must not be answered with an image an earlier record's attempt 1 made.
    /// </summary>
    public string ClientToken
    {
        get
        {
            var hash = SHA256.HashData(Encoding.UTF8.GetBytes(
                $"{Key.SourceRegion}|{Key.SourceImageId}|{Key.DestinationRegion}|{Attempt}|{Name}|{CreatedAt.ToUnixTimeMilliseconds()}"));
            return $"amirepl-{Convert.ToHexStringLower(hash)[..40]}";
        }
    }

    /// <summary>When the job has waited since for its current attempt (jobs recorded before it was kept: since created).</summary>
    public DateTimeOffset WaitingSinceOrCreated => WaitingSince ?? CreatedAt;

    /// <summary>
    /// The minute from which a waiting job may start: the one it began waiting in, or, backing off after a failed attempt, the
    /// first whole minute at or after <see cref="NotBefore"/>. Waiting jobs start by this minute, oldest first; within one minute
    /// the largest copy first (the longest copies started first shorten a burst), then in the order they became ready.
    /// </summary>
    public DateTimeOffset ReadyMinute => NotBefore is { } notBefore
        ? FloorMinute(notBefore) == notBefore ? notBefore : FloorMinute(notBefore).AddMinutes(1)
        : FloorMinute(WaitingSinceOrCreated);

    /// <summary>Whether a waiting job may be started at <paramref name="now"/>.</summary>
    public bool IsReadyAt(DateTimeOffset now) => !Held && ReadyMinute <= now;

    public static DateTimeOffset FloorMinute(DateTimeOffset time) =>
        new(time.UtcTicks - (time.UtcTicks % TimeSpan.TicksPerMinute), TimeSpan.Zero);

    /// <summary>The order waiting jobs of one destination start in (see <see cref="ReadyMinute"/>).</summary>
    public static IComparer<CopyJob> StartOrder { get; } = Comparer<CopyJob>.Create((a, b) =>
    {
        var byMinute = a.ReadyMinute.CompareTo(b.ReadyMinute);
        if (byMinute != 0)
        {
            return byMinute;
        }

        var bySize = b.SizeGiB.CompareTo(a.SizeGiB);
        if (bySize != 0)
        {
            return bySize;
        }

        var byTime = a.WaitingSinceOrCreated.CompareTo(b.WaitingSinceOrCreated);
        return byTime != 0 ? byTime : string.CompareOrdinal(a.Key.ToString(), b.Key.ToString());
    });

    /// <summary>
    /// The job in another state. Moving to another state is progress: the count of a step's failures starts again, and a failure
    /// code belongs to the FAILED state it was given in.
    /// </summary>
    public CopyJob MoveTo(CopyJobState state, DateTimeOffset now)
    {
        if (!State.CanMoveTo(state))
        {
            throw new InvalidOperationException($"Copy job {Key} cannot move from {State} to {state}.");
        }

        return this with
        {
            State = state,
            UpdatedAt = now,
            StepFailures = state == State ? StepFailures : 0,
            FailureCode = state == CopyJobState.Failed ? FailureCode : null,
            // Set by the share itself (<see cref="SharedHomeCopyAt"/>): any other move, a new attempt, is not the share.
            SharedHomeCopy = state == State && SharedHomeCopy,
            Held = Held && state == CopyJobState.Waiting,
            // Only a claim shares the home copy with a target account (just before its CopyImage): whatever way it ends, the share goes.
            ShareToRemove = ShareToRemove || (state.IsTerminal() && Key.DestinationAccount is not null && State is CopyJobState.Claimed or CopyJobState.Copying),
        };
    }

    /// <summary>
    /// A waiting job of a target in share mode ended AVAILABLE by the share of the home account's copy <paramref name="homeCopyId"/>: no
    /// slot, no copy. A share left to take back from an earlier attempt is no longer to be taken back: the account uses it now.
    /// </summary>
    public CopyJob SharedHomeCopyAt(string homeCopyId, DateTimeOffset now) =>
        MoveTo(CopyJobState.Available, now) with
        {
            TargetImageId = homeCopyId,
            SharedHomeCopy = true,
            ShareToRemove = false,
            CompletedAt = now,
            NotBefore = null,
            LastError = null,
        };

    /// <summary>The job ended FAILED, with its code and reason.</summary>
    public CopyJob FailWith(string failureCode, string reason, DateTimeOffset now) =>
        MoveTo(CopyJobState.Failed, now) with { CompletedAt = now, LastError = reason, FailureCode = failureCode };

    public CopyJob WithNote(string note) => this with { Notes = [.. Notes, note] };

    public CopyJob WithNotes(IEnumerable<string> notes) => this with { Notes = [.. Notes, .. notes] };
}
