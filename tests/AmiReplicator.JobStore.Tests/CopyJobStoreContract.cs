using AmiReplicator.Domain.Jobs;
using AmiReplicator.Domain.Policy;
using AmiReplicator.Domain.Slots;

namespace AmiReplicator.JobStore.Tests;

/// <summary>
/// What every <see cref="ICopyJobStore"/> must do, run against the DynamoDB store (on DynamoDB Local) and the in-memory one alike,
/// so the fast workflow tests on the in-memory store prove what they would prove on DynamoDB.
/// </summary>
public abstract class CopyJobStoreContract
{
    protected static readonly DateTimeOffset Now = new(2026, 11, 25, 8, 0, 30, TimeSpan.Zero);
    private static readonly SlotBudget Budget = new(2, 1);
    private static readonly CopyDestination Ireland = CopyDestination.Home("eu-west-1");
    private static readonly CopyDestination TargetIreland = new("eu-west-1", "111111111111");

    /// <summary>Items a page of a count or of the counters reads in the stores of this suite that page (DynamoDB's), so a short backlog
    /// or a few counters span pages.</summary>
    protected const int SmallCountPage = 3;

    /// <param name="jobRetention">How long the store keeps ended jobs (the policy's jobRetentionDays); null: forever.</param>
    protected abstract Task<ICopyJobStore> NewStoreAsync(TimeSpan? jobRetention = null);

    /// <summary>The whole-table reads over the same data as <paramref name="store"/>.</summary>
    protected abstract ICopyJobInspection InspectionOf(ICopyJobStore store);

    private static CopyJob Job(string imageId, string source = "us-east-1", string destination = "eu-west-1", int sizeGiB = 8, DateTimeOffset? at = null,
        string? account = null) => new()
        {
            Key = new CopyJobKey(source, imageId, destination) { DestinationAccount = account },
            State = CopyJobState.Waiting,
            Name = $"golden-{imageId}",
            Description = "d",
            RequestedBy = "test",
            CreatedAt = at ?? Now,
            UpdatedAt = at ?? Now,
            WaitingSince = at ?? Now,
            SizeGiB = sizeGiB,
        };

    private static async Task<CopyJob> CreateAsync(ICopyJobStore store, CopyJob job) =>
        Assert.Single(await store.CreateAllIfAbsentAsync([job], CancellationToken.None)).Job;

    private static Task<TransitionResult> ClaimAsync(ICopyJobStore store, CopyJob job) =>
        store.TransitionAsync(job, job.MoveTo(CopyJobState.Claimed, Now) with { ClaimedAt = Now }, Budget, CancellationToken.None);

    private static Task CountersForAsync(ICopyJobStore store, params string[] sources) => CountersForAsync(store, Ireland, sources);

    private static async Task CountersForAsync(ICopyJobStore store, CopyDestination destination, params string[] sources)
    {
        await store.CreateCounterAsync(new SlotCounter(SlotScope.All(destination), 0, new HashSet<CopyJobKey>()), CancellationToken.None);
        foreach (var source in sources)
        {
            await store.CreateCounterAsync(new SlotCounter(SlotScope.Pair(source, destination), 0, new HashSet<CopyJobKey>()), CancellationToken.None);
        }
    }

    private static async Task<SlotCounter> CounterAsync(ICopyJobStore store, SlotScope scope) =>
        (await store.ListCountersAsync(CancellationToken.None)).Single(c => c.Scope == scope);

    [Fact]
    public async Task A_job_is_created_once_and_a_second_create_answers_the_stored_one()
    {
        var store = await NewStoreAsync();
        var first = Job("ami-0000000000000000a");
        await CreateAsync(store, first);

        var results = await store.CreateAllIfAbsentAsync([first with { Name = "other" }, Job("ami-0000000000000000b")], CancellationToken.None);

        Assert.Equal([("golden-ami-0000000000000000a", false), ("golden-ami-0000000000000000b", true)], results.Select(r => (r.Job.Name, r.Created)));
        Assert.Equal(2, (await store.GetManyAsync([first.Key, results[1].Job.Key, new CopyJobKey("us-east-1", "ami-0000000000000000c", "eu-west-1")], CancellationToken.None)).Count);
    }

    [Fact]
    public async Task The_source_snapshot_tags_a_job_carries_are_read_back_as_written_and_none_recorded_stays_apart_from_none_to_give()
    {
        var store = await NewStoreAsync();
        var tagged = Job("ami-0000000000000000a") with
        {
            SourceSnapshotTags =
            [
                new SourceSnapshotTags("/dev/xvda", "snap-0a", new Dictionary<string, string> { ["backup"] = "daily" }),
                new SourceSnapshotTags("/dev/xvdb", "snap-0b", new Dictionary<string, string>()),
            ],
        };
        var nothingToGive = Job("ami-0000000000000000b") with { SourceSnapshotTags = [] };
        var notRecorded = Job("ami-0000000000000000c");
        await store.CreateAllIfAbsentAsync([tagged, nothingToGive, notRecorded], CancellationToken.None);

        var read = (await store.GetManyAsync([tagged.Key, nothingToGive.Key, notRecorded.Key], CancellationToken.None)).ToDictionary(j => j.Key.SourceImageId);

        var snapshots = read[tagged.Key.SourceImageId].SourceSnapshotTags!;
        Assert.Equal([("/dev/xvda", "snap-0a"), ("/dev/xvdb", "snap-0b")], snapshots.Select(t => (t.DeviceName, t.SnapshotId)));
        Assert.Equal(new Dictionary<string, string> { ["backup"] = "daily" }, snapshots[0].Tags);
        Assert.Empty(snapshots[1].Tags);
        Assert.Equal(0, read[nothingToGive.Key.SourceImageId].SourceSnapshotTags?.Count);
        Assert.Null(read[notRecorded.Key.SourceImageId].SourceSnapshotTags);
    }

    [Fact]
    public async Task An_AMIs_jobs_into_hundreds_of_target_accounts_are_created_all_and_created_once()
    {
        var store = await NewStoreAsync();
        var jobs = Enumerable.Range(1, 250).Select(i => Job("ami-0000000000000000a", account: $"{i:D12}")).ToList();
        await CreateAsync(store, jobs[150]);

        var created = await store.CreateAllIfAbsentAsync(jobs, CancellationToken.None);
        var again = await store.CreateAllIfAbsentAsync(jobs, CancellationToken.None);

        Assert.Equal(jobs.Select(j => (j.Key, j != jobs[150])), created.Select(r => (r.Job.Key, r.Created)));
        Assert.All(again, r => Assert.False(r.Created));
        Assert.Equal(jobs.Count, (await store.GetManyAsync([.. jobs.Select(j => j.Key)], CancellationToken.None)).Count);
    }

    [Fact]
    public async Task A_transition_from_a_version_that_is_gone_writes_nothing_and_answers_the_job_as_stored()
    {
        var store = await NewStoreAsync();
        var job = await CreateAsync(store, Job("ami-0000000000000000a"));
        var moved = (await store.TransitionAsync(job, job with { LastError = "first" }, Budget, CancellationToken.None)).Job!;

        var stale = await store.TransitionAsync(job, job with { LastError = "second" }, Budget, CancellationToken.None);

        Assert.Equal(TransitionStatus.Conflict, stale.Status);
        Assert.Equal((moved.Version, "first"), (stale.Job!.Version, stale.Job.LastError));
        Assert.Equal(job.Version + 1, moved.Version);
    }

    [Fact]
    public async Task A_claim_takes_both_slots_within_the_budgets_and_a_release_gives_them_back()
    {
        var store = await NewStoreAsync();
        await CountersForAsync(store, "us-east-1", "us-west-2");
        var (a, b, c) = (await CreateAsync(store, Job("ami-0000000000000000a")), await CreateAsync(store, Job("ami-0000000000000000b")),
            await CreateAsync(store, Job("ami-0000000000000000c", source: "us-west-2")));

        var claimed = await ClaimAsync(store, a);
        Assert.Equal(TransitionStatus.PairFull, (await ClaimAsync(store, b)).Status);
        Assert.Equal(TransitionStatus.Applied, (await ClaimAsync(store, c)).Status);
        var d = await CreateAsync(store, Job("ami-0000000000000000d", source: "us-west-2"));
        Assert.Equal(TransitionStatus.DestinationFull, (await ClaimAsync(store, d)).Status);

        var destination = await CounterAsync(store, SlotScope.All(Ireland));
        Assert.Equal((2, 2), (destination.InFlight, destination.Holders.Count));
        var released = await store.TransitionAsync(claimed.Job!, claimed.Job!.MoveTo(CopyJobState.Failed, Now), Budget, CancellationToken.None);
        Assert.True(released.Applied);
        Assert.Equal((1, 0), ((await CounterAsync(store, SlotScope.All(Ireland))).InFlight, (await CounterAsync(store, SlotScope.Pair("us-east-1", Ireland))).InFlight));
        Assert.Equal(TransitionStatus.Applied, (await ClaimAsync(store, b)).Status);
    }

    [Fact]
    public async Task A_pairs_counter_counts_every_claim_it_takes_and_a_refused_claim_a_release_or_a_repair_leaves_the_count()
    {
        var store = await NewStoreAsync();
        await CountersForAsync(store, "us-east-1", "us-west-2");
        var (a, b) = (await CreateAsync(store, Job("ami-0000000000000000a")), await CreateAsync(store, Job("ami-0000000000000000b")));
        var pair = SlotScope.Pair("us-east-1", Ireland);
        async Task<long?> ClaimsAsync() => (await CounterAsync(store, pair)).Claims;
        Assert.Equal(0, await ClaimsAsync());

        var claimed = (await ClaimAsync(store, a)).Job!;
        Assert.Equal(TransitionStatus.PairFull, (await ClaimAsync(store, b)).Status);
        Assert.Equal(1, await ClaimsAsync());
        var released = (await store.TransitionAsync(claimed, claimed.MoveTo(CopyJobState.Waiting, Now), Budget, CancellationToken.None)).Job!;
        Assert.Equal(1, await ClaimsAsync());

        var holding = (await ClaimAsync(store, released)).Job!;
        Assert.Equal(2, await ClaimsAsync());

        // A holder a repair adds (to a counter that lost it) is no claim.
        var other = SlotScope.Pair("us-west-2", Ireland);
        Assert.True(await store.RepairHolderAsync(other, holding.Key, holding, CancellationToken.None));
        var repaired = await CounterAsync(store, other);
        Assert.Equal(1, repaired.InFlight);
        Assert.Equal(0, repaired.Claims);
        Assert.Equal(2, await ClaimsAsync());
    }

    [Fact]
    public async Task A_target_accounts_copy_is_a_job_of_its_own_with_slots_of_its_own_beside_the_home_accounts_in_the_same_region()
    {
        var store = await NewStoreAsync();
        await CountersForAsync(store, Ireland, "us-east-1");
        await CountersForAsync(store, TargetIreland, "us-east-1", "us-west-2");
        var home = await CreateAsync(store, Job("ami-0000000000000000a"));
        var target = await CreateAsync(store, Job("ami-0000000000000000a", account: "111111111111"));
        Assert.Equal(2, (await store.GetManyAsync([home.Key, target.Key], CancellationToken.None)).Count);
        Assert.Equal([target.Key], (await store.ListWaitingAsync(TargetIreland, "us-east-1", readyBy: null, 10, CancellationToken.None)).Select(j => j.Key));
        Assert.Equal([home.Key], (await store.ListWaitingAsync(Ireland, "us-east-1", readyBy: null, 10, CancellationToken.None)).Select(j => j.Key));

        // The pair budget is 1: each claim fits only because the two destinations count apart.
        Assert.Equal(TransitionStatus.Applied, (await ClaimAsync(store, home)).Status);
        Assert.Equal(TransitionStatus.Applied, (await ClaimAsync(store, target)).Status);
        Assert.Equal(TransitionStatus.PairFull, (await ClaimAsync(store, await CreateAsync(store, Job("ami-0000000000000000b", account: "111111111111")))).Status);
        Assert.Equal([target.Key], (await CounterAsync(store, SlotScope.Pair("us-east-1", TargetIreland))).Holders);
        Assert.Equal([home.Key], (await CounterAsync(store, SlotScope.Pair("us-east-1", Ireland))).Holders);
        Assert.Equal([target.Key], (await store.ListActiveAsync(TargetIreland, 10, CancellationToken.None)).Select(j => j.Key));
        Assert.Equal("111111111111", (await store.GetAsync(target.Key, CancellationToken.None))?.Key.DestinationAccount);

        // A back-off in the target account's region holds only its claims.
        await store.BackOffAsync(TargetIreland, Now.AddMinutes(5), CancellationToken.None);
        Assert.Equal(TransitionStatus.BackingOff, (await ClaimAsync(store, await CreateAsync(store, Job("ami-0000000000000000c", source: "us-west-2", account: "111111111111")))).Status);
        Assert.Null((await CounterAsync(store, SlotScope.All(Ireland))).BackOffUntil);
    }

    [Fact]
    public async Task A_claim_needs_both_counters_and_a_missing_one_is_named()
    {
        var store = await NewStoreAsync();
        var job = await CreateAsync(store, Job("ami-0000000000000000a"));

        var refused = await ClaimAsync(store, job);
        Assert.Equal(TransitionStatus.CounterMissing, refused.Status);
        await CountersForAsync(store);
        var pairMissing = await ClaimAsync(store, job);
        Assert.Equal((TransitionStatus.CounterMissing, SlotScope.Pair("us-east-1", Ireland)), (pairMissing.Status, pairMissing.Counter));

        Assert.True(await store.CreateCounterAsync(new SlotCounter(SlotScope.Pair("us-east-1", Ireland), 0, new HashSet<CopyJobKey>()), CancellationToken.None));
        Assert.False(await store.CreateCounterAsync(new SlotCounter(SlotScope.Pair("us-east-1", Ireland), 5, new HashSet<CopyJobKey>()), CancellationToken.None));
        Assert.Equal(TransitionStatus.Applied, (await ClaimAsync(store, job)).Status);
    }

    [Fact]
    public async Task Every_counter_is_listed_however_many_pages_they_take()
    {
        var store = await NewStoreAsync();
        var accounts = Enumerable.Range(1, SmallCountPage + 1).Select(i => $"{i:D12}").ToList();
        foreach (var account in accounts)
        {
            await CountersForAsync(store, new CopyDestination("eu-west-1", account), "us-east-1");
        }

        var listed = await store.ListCountersAsync(CancellationToken.None);

        Assert.Equal(2 * accounts.Count, listed.Count);
        Assert.Equal(accounts.Order(StringComparer.Ordinal), listed.Select(c => c.Scope.Destination.Account!).Distinct().Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_destination_backing_off_refuses_claims_until_the_time_and_a_back_off_is_never_shortened()
    {
        var store = await NewStoreAsync();
        await store.BackOffAsync(Ireland, Now.AddMinutes(1), CancellationToken.None);
        Assert.Empty(await store.ListCountersAsync(CancellationToken.None));
        await CountersForAsync(store, "us-east-1");
        await store.BackOffAsync(Ireland, Now.AddMinutes(2), CancellationToken.None);
        await store.BackOffAsync(Ireland, Now.AddMinutes(1), CancellationToken.None);
        var job = await CreateAsync(store, Job("ami-0000000000000000a"));

        Assert.Equal(TransitionStatus.BackingOff, (await ClaimAsync(store, job)).Status);
        Assert.Equal(Now.AddMinutes(2), (await CounterAsync(store, SlotScope.All(Ireland))).BackOffUntil);
        var later = job.MoveTo(CopyJobState.Claimed, Now.AddMinutes(2));
        Assert.Equal(TransitionStatus.Applied, (await store.TransitionAsync(job, later, Budget, CancellationToken.None)).Status);
    }

    [Fact]
    public async Task Waiting_jobs_are_listed_per_pair_ready_ones_only_by_minute_then_largest_first()
    {
        var store = await NewStoreAsync();
        var minute = new DateTimeOffset(2026, 11, 25, 8, 0, 0, TimeSpan.Zero);
        await CreateAsync(store, Job("ami-0000000000000000a", sizeGiB: 8, at: minute.AddSeconds(1)));
        await CreateAsync(store, Job("ami-0000000000000000b", sizeGiB: 500, at: minute.AddSeconds(40)));
        await CreateAsync(store, Job("ami-0000000000000000c", sizeGiB: 900, at: minute.AddMinutes(1)));
        await CreateAsync(store, Job("ami-0000000000000000d", source: "us-west-2", at: minute));
        var backingOff = await CreateAsync(store, Job("ami-0000000000000000e", sizeGiB: 1000, at: minute) with { NotBefore = minute.AddMinutes(3) });
        var active = await CreateAsync(store, Job("ami-0000000000000000f"));
        await CountersForAsync(store, "us-east-1");
        await ClaimAsync(store, active);

        var ready = await store.ListWaitingAsync(Ireland, "us-east-1", minute.AddSeconds(59), 10, CancellationToken.None);
        var all = await store.ListWaitingAsync(Ireland, "us-east-1", readyBy: null, 10, CancellationToken.None);

        Assert.Equal(["ami-0000000000000000b", "ami-0000000000000000a"], ready.Select(j => j.Key.SourceImageId));
        Assert.Equal(["ami-0000000000000000b", "ami-0000000000000000a", "ami-0000000000000000c", backingOff.Key.SourceImageId], all.Select(j => j.Key.SourceImageId));
        Assert.Single(await store.ListWaitingAsync(Ireland, "us-east-1", readyBy: null, 1, CancellationToken.None));
        Assert.Equal(["ami-0000000000000000f"], (await store.ListActiveAsync(Ireland, 10, CancellationToken.None)).Select(j => j.Key.SourceImageId));
    }

    [Fact]
    public async Task Waiting_jobs_are_counted_per_pair_ready_or_not_and_jobs_in_any_other_state_are_not()
    {
        var store = await NewStoreAsync();
        Assert.Equal(0, await store.CountWaitingAsync(Ireland, "us-east-1", CancellationToken.None));
        await CountersForAsync(store, "us-east-1");
        await CreateAsync(store, Job("ami-0000000000000000a"));
        await CreateAsync(store, Job("ami-0000000000000000b") with { NotBefore = Now.AddMinutes(30) });
        var claimed = (await ClaimAsync(store, await CreateAsync(store, Job("ami-0000000000000000c")))).Job!;
        var failed = await CreateAsync(store, Job("ami-0000000000000000d"));
        await store.TransitionAsync(failed, failed.MoveTo(CopyJobState.Failed, Now), Budget, CancellationToken.None);
        await CreateAsync(store, Job("ami-0000000000000000e", source: "us-west-2"));
        await CreateAsync(store, Job("ami-0000000000000000f", destination: "eu-central-1"));

        Assert.Equal(2, await store.CountWaitingAsync(Ireland, "us-east-1", CancellationToken.None));
        Assert.Equal(1, await store.CountWaitingAsync(Ireland, "us-west-2", CancellationToken.None));
        Assert.Equal(1, await store.CountWaitingAsync(CopyDestination.Home("eu-central-1"), "us-east-1", CancellationToken.None));
        Assert.Equal(0, await store.CountWaitingAsync(CopyDestination.Home("eu-central-1"), "us-west-2", CancellationToken.None));

        // A claim given back waits again, and counts again.
        await store.TransitionAsync(claimed, claimed.MoveTo(CopyJobState.Waiting, Now), Budget, CancellationToken.None);
        Assert.Equal(3, await store.CountWaitingAsync(Ireland, "us-east-1", CancellationToken.None));
    }

    [Fact]
    public async Task A_backlog_longer_than_a_page_of_the_count_is_counted_in_full()
    {
        var store = await NewStoreAsync();
        await store.CreateAllIfAbsentAsync([.. Enumerable.Range(0, 3 * SmallCountPage).Select(i => Job($"ami-{i:x17}", at: Now.AddSeconds(i)))], CancellationToken.None);

        // A multiple of the page (the last full page still names a key to go on from), then one more.
        Assert.Equal(3 * SmallCountPage, await store.CountWaitingAsync(Ireland, "us-east-1", CancellationToken.None));
        await CreateAsync(store, Job("ami-1000000000000000a"));
        Assert.Equal((3 * SmallCountPage) + 1, await store.CountWaitingAsync(Ireland, "us-east-1", CancellationToken.None));
    }

    [Fact]
    public async Task Ended_jobs_leave_the_active_listing_unless_they_have_an_image_or_a_share_left_to_remove()
    {
        var store = await NewStoreAsync();
        var (a, b) = (await CreateAsync(store, Job("ami-0000000000000000a")), await CreateAsync(store, Job("ami-0000000000000000b")));
        var c = await CreateAsync(store, Job("ami-0000000000000000c"));
        await store.TransitionAsync(a, a.FailWith(FailureCodes.CopyFailed, "copy failed", Now) with { ImageToRemove = "ami-0000000000000dead" }, Budget, CancellationToken.None);
        await store.TransitionAsync(b, b.MoveTo(CopyJobState.Cancelled, Now), Budget, CancellationToken.None);
        await store.TransitionAsync(c, c.MoveTo(CopyJobState.Cancelled, Now) with { ShareToRemove = true }, Budget, CancellationToken.None);

        var listed = await store.ListActiveAsync(Ireland, 10, CancellationToken.None);
        Assert.Equal(["ami-0000000000000000a", "ami-0000000000000000c"], listed.Select(j => j.Key.SourceImageId).Order(StringComparer.Ordinal));
        var failed = listed.Single(j => j.Key.SourceImageId == "ami-0000000000000000a");
        Assert.Equal(("ami-0000000000000dead", FailureCodes.CopyFailed), (failed.ImageToRemove, failed.FailureCode));
        Assert.True(listed.Single(j => j.Key.SourceImageId == "ami-0000000000000000c").ShareToRemove);
        Assert.Empty(await store.ListWaitingAsync(Ireland, "us-east-1", readyBy: null, 10, CancellationToken.None));
    }

    [Fact]
    public async Task A_counter_repair_is_written_only_while_the_job_is_as_read()
    {
        var store = await NewStoreAsync();
        await CountersForAsync(store, "us-east-1");
        var job = await CreateAsync(store, Job("ami-0000000000000000a"));
        var claimed = (await ClaimAsync(store, job)).Job!;
        var scope = SlotScope.All(Ireland);

        Assert.False(await store.RepairHolderAsync(scope, job.Key, claimed, CancellationToken.None));
        Assert.False(await store.RepairHolderAsync(scope, job.Key, job, CancellationToken.None));
        var ghost = new CopyJobKey("us-east-1", "ami-000000000000000ff", "eu-west-1");
        Assert.False(await store.RepairHolderAsync(scope, ghost, null, CancellationToken.None));

        var released = (await store.TransitionAsync(claimed, claimed.MoveTo(CopyJobState.Waiting, Now), Budget, CancellationToken.None)).Job!;
        Assert.False(await store.RepairHolderAsync(scope, job.Key, released, CancellationToken.None));
        var counter = await CounterAsync(store, scope);
        Assert.Equal((0, 0), (counter.InFlight, counter.Holders.Count));
        Assert.False(await store.RepairInFlightAsync(counter with { InFlight = 3 }, CancellationToken.None));
        Assert.True(await store.RepairInFlightAsync(counter, CancellationToken.None));
    }

    private static readonly SlotBudget ThroughputBudget = new(10, 10, MaxSnapshotCopyMiBpsPerSource: 1_000);

    private static CopyJob TimeBased(string imageId, int miBps, string source = "us-east-1") =>
        Job(imageId, source) with { SnapshotCopyCompletionDurationMinutes = 15, SnapshotCopyMiBps = miBps };

    private static Task<TransitionResult> ClaimWithinThroughputAsync(ICopyJobStore store, CopyJob job) =>
        store.TransitionAsync(job, job.MoveTo(CopyJobState.Claimed, Now), ThroughputBudget, CancellationToken.None);

    private static async Task<(int InFlight, int Committed, IReadOnlyDictionary<CopyJobKey, int> Holders)> PairThroughputAsync(ICopyJobStore store)
    {
        var pair = await CounterAsync(store, SlotScope.Pair("us-east-1", Ireland));
        return (pair.InFlight, pair.CommittedMiBps, pair.HolderMiBps);
    }

    [Fact]
    public async Task A_time_based_claim_commits_its_throughput_beside_its_slot_within_the_budget_and_a_release_gives_it_back()
    {
        var store = await NewStoreAsync();
        await CountersForAsync(store, "us-east-1");
        var (a, b, c) = (await CreateAsync(store, TimeBased("ami-0000000000000000a", 600)), await CreateAsync(store, TimeBased("ami-0000000000000000b", 500)),
            await CreateAsync(store, TimeBased("ami-0000000000000000c", 400)));

        var claimed = (await ClaimWithinThroughputAsync(store, a)).Job!;
        var refused = await ClaimWithinThroughputAsync(store, b);
        Assert.Equal((TransitionStatus.PairFull, SlotScope.Pair("us-east-1", Ireland)), (refused.Status, refused.Counter));
        Assert.True((await ClaimWithinThroughputAsync(store, c)).Applied);
        var (inFlight, committed, holders) = await PairThroughputAsync(store);
        Assert.Equal((2, 1_000), (inFlight, committed));
        Assert.Equal(new Dictionary<CopyJobKey, int> { [a.Key] = 600, [c.Key] = 400 }, holders);
        Assert.Equal(0, (await CounterAsync(store, SlotScope.All(Ireland))).CommittedMiBps);

        Assert.True((await store.TransitionAsync(claimed, claimed.MoveTo(CopyJobState.Waiting, Now), ThroughputBudget, CancellationToken.None)).Applied);
        Assert.Equal(400, (await PairThroughputAsync(store)).Committed);
        Assert.True((await ClaimWithinThroughputAsync(store, b)).Applied);
        Assert.Equal(900, (await PairThroughputAsync(store)).Committed);
    }

    [Fact]
    public async Task Committed_throughput_is_taken_and_given_back_once_per_holder_however_often_asked()
    {
        var store = await NewStoreAsync();
        await CountersForAsync(store, "us-east-1");
        var job = await CreateAsync(store, TimeBased("ami-0000000000000000a", 300));
        var claimed = (await ClaimWithinThroughputAsync(store, job)).Job!;

        // A repeated claim or release of the same version conflicts: nothing is counted twice.
        Assert.Equal(TransitionStatus.Conflict, (await ClaimWithinThroughputAsync(store, job)).Status);
        Assert.False(await store.RepairHolderAsync(SlotScope.Pair("us-east-1", Ireland), job.Key, claimed, CancellationToken.None));
        Assert.Equal(300, (await PairThroughputAsync(store)).Committed);
        var released = (await store.TransitionAsync(claimed, claimed.MoveTo(CopyJobState.Failed, Now), ThroughputBudget, CancellationToken.None)).Job!;
        Assert.Equal(TransitionStatus.Conflict, (await store.TransitionAsync(claimed, claimed.MoveTo(CopyJobState.Failed, Now), ThroughputBudget, CancellationToken.None)).Status);

        var (inFlight, committed, holders) = await PairThroughputAsync(store);
        Assert.Equal((0, 0, 0), (inFlight, committed, holders.Count));
        Assert.Equal(CopyJobState.Failed, released.State);
    }

    [Fact]
    public async Task A_claim_larger_than_the_whole_throughput_budget_starts_only_on_an_idle_pair()
    {
        var store = await NewStoreAsync();
        await CountersForAsync(store, "us-east-1");
        var (small, large) = (await CreateAsync(store, TimeBased("ami-0000000000000000a", 1)), await CreateAsync(store, TimeBased("ami-0000000000000000b", 1_500)));

        var claimedSmall = (await ClaimWithinThroughputAsync(store, small)).Job!;
        Assert.Equal(TransitionStatus.PairFull, (await ClaimWithinThroughputAsync(store, large)).Status);
        await store.TransitionAsync(claimedSmall, claimedSmall.MoveTo(CopyJobState.Failed, Now), ThroughputBudget, CancellationToken.None);

        Assert.True((await ClaimWithinThroughputAsync(store, large)).Applied);
        Assert.Equal(1_500, (await PairThroughputAsync(store)).Committed);
    }

    [Fact]
    public async Task Throughput_repairs_follow_the_jobs_a_holder_added_commits_its_throughput_and_the_total_is_set_from_the_holders()
    {
        var store = await NewStoreAsync();
        await CountersForAsync(store, "us-east-1");
        var job = await CreateAsync(store, TimeBased("ami-0000000000000000a", 700));
        var claimed = (await ClaimWithinThroughputAsync(store, job)).Job!;
        var stale = await CreateAsync(store, TimeBased("ami-0000000000000000b", 200, source: "us-west-2"));

        // A counter rebuilt from the jobs holds the slot-holding job with its throughput, and a holder whose job holds nothing.
        var rebuiltScope = SlotScope.Pair("us-west-2", Ireland);
        var rebuilt = SlotCounter.Holding(rebuiltScope, [stale with { State = CopyJobState.Copying }]);
        Assert.True(await store.CreateCounterAsync(rebuilt, CancellationToken.None));
        Assert.Equal((1, 200), ((await CounterAsync(store, rebuiltScope)).InFlight, (await CounterAsync(store, rebuiltScope)).CommittedMiBps));

        Assert.True(await store.RepairHolderAsync(rebuiltScope, job.Key, claimed, CancellationToken.None));
        Assert.True(await store.RepairHolderAsync(rebuiltScope, stale.Key, stale, CancellationToken.None));
        var repaired = await CounterAsync(store, rebuiltScope);
        Assert.Equal(new Dictionary<CopyJobKey, int> { [job.Key] = 700 }, repaired.HolderMiBps);
        Assert.Equal(900, repaired.CommittedMiBps);
        Assert.False(repaired.MatchesHolders);

        Assert.False(await store.RepairInFlightAsync(repaired with { CommittedMiBps = 5 }, CancellationToken.None));
        Assert.True(await store.RepairInFlightAsync(repaired, CancellationToken.None));
        var fixedCounter = await CounterAsync(store, rebuiltScope);
        Assert.Equal((1, 700), (fixedCounter.InFlight, fixedCounter.CommittedMiBps));
        Assert.True(fixedCounter.MatchesHolders);
    }

    [Fact]
    public async Task A_source_region_is_swept_once_an_interval_whoever_asks()
    {
        var store = await NewStoreAsync();

        var hour = TimeSpan.FromHours(1);
        Assert.Equal(new ScheduledTurn(true, Now.AddHours(1)), await store.TryStartSweepAsync("us-east-1", Now, hour, CancellationToken.None));
        // Refused, the answer says when the turn taken is over: when to ask again.
        Assert.Equal(new ScheduledTurn(false, Now.AddHours(1)), await store.TryStartSweepAsync("us-east-1", Now.AddMinutes(59), hour, CancellationToken.None));
        Assert.True((await store.TryStartSweepAsync("us-west-2", Now.AddMinutes(59), hour, CancellationToken.None)).Taken);
        Assert.Equal(new ScheduledTurn(true, Now.AddHours(2)), await store.TryStartSweepAsync("us-east-1", Now.AddHours(1), hour, CancellationToken.None));

        // A destination's retention run is taken apart from any sweep, even of a region that is both.
        Assert.True((await store.TryStartRetentionAsync("us-east-1", Now.AddHours(1), hour, CancellationToken.None)).Taken);
        Assert.Equal(new ScheduledTurn(false, Now.AddHours(2)), await store.TryStartRetentionAsync("us-east-1", Now.AddHours(1.5), hour, CancellationToken.None));
        Assert.True((await store.TryStartRetentionAsync("us-east-1", Now.AddHours(2), hour, CancellationToken.None)).Taken);
    }

    [Fact]
    public async Task The_inspection_lists_every_job_in_key_order_and_every_counter_and_nothing_else()
    {
        var store = await NewStoreAsync();
        await CountersForAsync(store, "us-east-1");
        await store.TryStartSweepAsync("us-east-1", Now, TimeSpan.FromHours(1), CancellationToken.None);
        foreach (var job in new[] { Job("ami-0000000000000000c"), Job("ami-0000000000000000a", destination: "eu-central-1"), Job("ami-0000000000000000a") })
        {
            await CreateAsync(store, job);
        }

        var inspection = InspectionOf(store);
        Assert.Equal(
            ["us-east-1/ami-0000000000000000a->eu-central-1", "us-east-1/ami-0000000000000000a->eu-west-1", "us-east-1/ami-0000000000000000c->eu-west-1"],
            (await inspection.ListJobsAsync(CancellationToken.None)).Select(j => j.Key.ToString()));
        Assert.Equal(
            [SlotScope.All(Ireland), SlotScope.Pair("us-east-1", Ireland)],
            (await inspection.ListCountersAsync(CancellationToken.None)).Select(c => c.Scope).OrderBy(c => c.ToString(), StringComparer.Ordinal));
    }

    private static Task<TransitionResult> EndAsync(ICopyJobStore store, CopyJob job, CopyJobState state, DateTimeOffset at) =>
        store.TransitionAsync(job, job.MoveTo(state, at) with { CompletedAt = at }, Budget, CancellationToken.None);

    [Fact]
    public async Task One_AMIs_jobs_are_read_by_its_partitions_into_the_accounts_asked_for()
    {
        var store = await NewStoreAsync();
        foreach (var job in new[]
        {
            Job("ami-0000000000000000a"), Job("ami-0000000000000000a", destination: "eu-central-1"), Job("ami-0000000000000000a", account: "111111111111"),
            Job("ami-0000000000000000a", source: "us-west-2"), Job("ami-0000000000000000b"),
        })
        {
            await CreateAsync(store, job);
        }

        var inspection = InspectionOf(store);
        async Task<IEnumerable<string>> ReadAsync(string[] sources, string?[] accounts) =>
            (await inspection.ListJobsOfImageAsync("ami-0000000000000000a", sources, accounts, Now, CancellationToken.None)).Select(j => j.Key.ToString());

        Assert.Equal(["us-east-1/ami-0000000000000000a->eu-central-1", "us-east-1/ami-0000000000000000a->eu-west-1"], await ReadAsync(["us-east-1"], [null]));
        Assert.Equal(
            ["us-east-1/ami-0000000000000000a->111111111111/eu-west-1", "us-east-1/ami-0000000000000000a->eu-central-1", "us-east-1/ami-0000000000000000a->eu-west-1",
             "us-west-2/ami-0000000000000000a->eu-west-1"],
            await ReadAsync(["us-east-1", "us-west-2"], [null, "111111111111"]));
        Assert.Empty(await ReadAsync(["eu-west-1"], [null, "111111111111"]));
    }

    [Fact]
    public async Task A_destinations_jobs_in_one_state_are_listed_oldest_first_page_by_page_and_move_with_their_state()
    {
        var store = await NewStoreAsync();
        await CountersForAsync(store, "us-east-1");
        var jobs = new List<CopyJob>();
        for (var i = 0; i < 5; i++)
        {
            // Created newest first: the listing's order is the time they began to wait, not the key's.
            jobs.Add(await CreateAsync(store, Job($"ami-000000000000000{i}", at: Now.AddMinutes(-i))));
        }

        await CreateAsync(store, Job("ami-000000000000000f", destination: "eu-central-1"));
        await CreateAsync(store, Job("ami-000000000000000f", account: "111111111111"));
        var inspection = InspectionOf(store);

        var pages = new List<IReadOnlyList<string>>();
        string? token = null;
        do
        {
            var page = await inspection.ListJobsAsync(CopyJobState.Waiting, Ireland, null, token, 2, Now, CancellationToken.None);
            pages.Add([.. page.Jobs.Select(j => j.Key.SourceImageId)]);
            token = page.NextToken;
        }
        while (token is not null);

        Assert.Equal(
            [["ami-0000000000000004", "ami-0000000000000003"], ["ami-0000000000000002", "ami-0000000000000001"], ["ami-0000000000000000"]],
            pages);

        Assert.Equal(CopyJobState.Claimed, (await ClaimAsync(store, jobs[0])).Job!.State);
        var waiting = await inspection.ListJobsAsync(CopyJobState.Waiting, Ireland, null, null, 10, Now, CancellationToken.None);
        var claimed = await inspection.ListJobsAsync(CopyJobState.Claimed, Ireland, null, null, 10, Now, CancellationToken.None);
        Assert.Equal((4, null), (waiting.Jobs.Count, waiting.NextToken));
        Assert.Equal([jobs[0].Key], claimed.Jobs.Select(j => j.Key));
        Assert.Equal([jobs[0].Key], (await inspection.ListJobsAsync(CopyJobState.Claimed, Ireland, Now, null, 10, Now, CancellationToken.None)).Jobs.Select(j => j.Key));
        Assert.Empty((await inspection.ListJobsAsync(CopyJobState.Claimed, Ireland, Now.AddSeconds(1), null, 10, Now, CancellationToken.None)).Jobs);
        Assert.Equal([jobs[1].Key], (await inspection.ListJobsAsync(CopyJobState.Waiting, Ireland, Now.AddMinutes(-1), null, 10, Now, CancellationToken.None)).Jobs.Select(j => j.Key));
    }

    [Fact]
    public async Task The_index_counts_a_destinations_jobs_per_state_and_source_with_the_earliest()
    {
        var store = await NewStoreAsync();
        foreach (var job in new[]
        {
            Job("ami-0000000000000000a", at: Now.AddMinutes(-5)), Job("ami-0000000000000000b", at: Now.AddMinutes(-9)), Job("ami-0000000000000000c"),
            Job("ami-0000000000000000d", source: "us-west-2", at: Now.AddMinutes(-1)), Job("ami-0000000000000000e", destination: "eu-central-1"),
            Job("ami-0000000000000000f", account: "111111111111"),
        })
        {
            await CreateAsync(store, job);
        }

        var cancelled = await CreateAsync(store, Job("ami-00000000000000010"));
        await EndAsync(store, cancelled, CopyJobState.Cancelled, Now);
        var inspection = InspectionOf(store);

        Assert.Equal(
            [new StateCount("us-east-1", 3, Now.AddMinutes(-9)), new StateCount("us-west-2", 1, Now.AddMinutes(-1))],
            await inspection.CountJobsAsync(CopyJobState.Waiting, Ireland, Now, CancellationToken.None));
        Assert.Equal([new StateCount("us-east-1", 1, Now)], await inspection.CountJobsAsync(CopyJobState.Cancelled, Ireland, Now, CancellationToken.None));
        Assert.Equal([new StateCount("us-east-1", 1, Now)], await inspection.CountJobsAsync(CopyJobState.Waiting, TargetIreland, Now, CancellationToken.None));
        Assert.Empty(await inspection.CountJobsAsync(CopyJobState.Available, Ireland, Now, CancellationToken.None));
    }

    [Fact]
    public async Task Ended_jobs_past_their_retention_are_left_out_of_the_reads_but_one_with_cleanup_left_never_expires()
    {
        var store = await NewStoreAsync(TimeSpan.FromDays(1));
        var old = await CreateAsync(store, Job("ami-0000000000000000a"));
        var recent = await CreateAsync(store, Job("ami-0000000000000000b"));
        var cleanup = await CreateAsync(store, Job("ami-0000000000000000c"));
        var waiting = await CreateAsync(store, Job("ami-0000000000000000d", at: Now.AddDays(-30)));
        await EndAsync(store, old, CopyJobState.Failed, Now.AddDays(-2));
        await EndAsync(store, recent, CopyJobState.Failed, Now.AddHours(-2));
        await store.TransitionAsync(cleanup, cleanup.MoveTo(CopyJobState.Failed, Now.AddDays(-2)) with { CompletedAt = Now.AddDays(-2), ImageToRemove = "ami-0123" },
            Budget, CancellationToken.None);
        var inspection = InspectionOf(store);

        var failed = await inspection.ListJobsAsync(CopyJobState.Failed, Ireland, null, null, 10, Now, CancellationToken.None);
        Assert.Equal(["ami-0000000000000000c", "ami-0000000000000000b"], failed.Jobs.Select(j => j.Key.SourceImageId));
        Assert.Equal([new StateCount("us-east-1", 2, Now.AddDays(-2))], await inspection.CountJobsAsync(CopyJobState.Failed, Ireland, Now, CancellationToken.None));
        Assert.Empty(await inspection.ListJobsOfImageAsync(old.Key.SourceImageId, ["us-east-1"], [null], Now, CancellationToken.None));
        // Before its expiry it reads as any other, and a job not ended never expires.
        Assert.Single(await inspection.ListJobsOfImageAsync(old.Key.SourceImageId, ["us-east-1"], [null], Now.AddDays(-1.5), CancellationToken.None));
        Assert.Single(await inspection.ListJobsOfImageAsync(waiting.Key.SourceImageId, ["us-east-1"], [null], Now.AddDays(3650), CancellationToken.None));
    }

    private static readonly DistributionId Distributed = new("us-east-1", "ami-0000000000000000a");

    /// <summary>What the distribution's counts must be: each job's tally as if new, and the rounds counted by the caller.</summary>
    private static Dictionary<string, long> ExpectedCounts(IEnumerable<CopyJob> jobs, long rounds)
    {
        var expected = DistributionTally.Sum(jobs.Select(j => DistributionTally.Change(null, j))).ToDictionary(StringComparer.Ordinal);
        if (rounds > 0)
        {
            expected[DistributionTally.RoundName] = rounds;
        }

        return expected;
    }

    private static Dictionary<string, long> NonZero(Distribution distribution) =>
        distribution.Counts.Where(c => c.Value != 0).ToDictionary(StringComparer.Ordinal);

    [Fact]
    public async Task A_distribution_counts_its_jobs_by_outcome_wave_and_problem_account_in_the_writes_that_change_them()
    {
        var store = await NewStoreAsync();
        await CountersForAsync(store, TargetIreland, "us-east-1");
        var home = await CreateAsync(store, Job("ami-0000000000000000a") with { Wave = 0 });
        var target = Assert.Single(await store.CreateAllIfAbsentAsync([Job("ami-0000000000000000a", account: "111111111111") with { Wave = 1, Held = true }], CancellationToken.None)).Job;
        var created = (await InspectionOf(store).GetDistributionAsync(Distributed, CancellationToken.None))!;
        Assert.Equal(new Dictionary<string, long> { ["OPEN"] = 2, ["OPEN~W0"] = 1, ["OPEN~W1"] = 1 }, NonZero(created));
        Assert.Equal((Now, false), (created.InspectAt, created.HasEnded));

        // A copy's way (claimed, copying) changes no count and does not touch the record; its end does.
        var claimed = (await store.TransitionAsync(target, target with { Held = false }, Budget, CancellationToken.None)).Job!;
        claimed = (await ClaimAsync(store, claimed)).Job!;
        Assert.Equal(created.Version, (await InspectionOf(store).GetDistributionAsync(Distributed, CancellationToken.None))!.Version);
        var failed = (await store.TransitionAsync(claimed, claimed.FailWith(FailureCodes.RoleDenied, "denied", Now.AddMinutes(1)), Budget, CancellationToken.None)).Job!;
        await store.TransitionAsync(home, home.FailWith(FailureCodes.CopyFailed, "failed", Now.AddMinutes(2)), Budget, CancellationToken.None);

        var ended = (await InspectionOf(store).GetDistributionAsync(Distributed, CancellationToken.None))!;
        Assert.Equal(new Dictionary<string, long>
        {
            ["FAILED:ROLE_DENIED"] = 1,
            ["FAILED:ROLE_DENIED~W1"] = 1,
            ["FAILED:ROLE_DENIED@111111111111"] = 1,
            ["FAILED:COPY_FAILED"] = 1,
            ["FAILED:COPY_FAILED~W0"] = 1,
            ["FAILED:COPY_FAILED@home"] = 1,
        }, NonZero(ended));
        Assert.Equal((true, 0L, Now.AddMinutes(2)), (ended.HasEnded, ended.Round, ended.InspectAt));

        // Asked for again: open once more, in a new round.
        await store.TransitionAsync(failed, failed.MoveTo(CopyJobState.Waiting, Now.AddMinutes(3)), Budget, CancellationToken.None);
        var reopened = (await InspectionOf(store).GetDistributionAsync(Distributed, CancellationToken.None))!;
        Assert.Equal((1L, 1L, false), (reopened.Open, reopened.Round, reopened.HasEnded));
        Assert.Equal(0, (await InspectionOf(store).GetDistributionAsync(new DistributionId("us-east-1", "ami-0000000000000000b"), CancellationToken.None))?.Total ?? 0);
    }

    /// <summary>
    /// Property: whatever legal moves jobs make, in whatever order, with stale writes among them (a conflict writes nothing), retries
    /// after an end included, the distribution's counts are exactly the jobs' tallies: they never drift.
    /// </summary>
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public async Task A_distributions_counts_never_drift_from_its_jobs_through_any_sequence_of_moves(int seed)
    {
        var store = await NewStoreAsync();
        var random = new Random(seed);
        var accounts = new[] { null, "111111111111", "222222222222" };
        foreach (var account in accounts.OfType<string>())
        {
            await CountersForAsync(store, new CopyDestination("eu-west-1", account), "us-east-1");
        }

        await CountersForAsync(store, Ireland, "us-east-1");
        var jobs = (await store.CreateAllIfAbsentAsync(
            [.. accounts.Select((a, i) => Job("ami-0000000000000000a", account: a) with { Wave = i, Held = i > 0 })], CancellationToken.None)).Select(r => r.Job).ToList();
        var rounds = 0L;
        var stale = jobs.ToList();
        string[] codes = [FailureCodes.RoleDenied, FailureCodes.CopyFailed, FailureCodes.KmsDenied];
        for (var step = 0; step < 60; step++)
        {
            var i = random.Next(jobs.Count);
            var job = random.Next(5) == 0 ? stale[i] : jobs[i];
            var at = Now.AddMinutes(step);
            CopyJob to = job.State switch
            {
                CopyJobState.Waiting when job.Held => job with { Held = false, UpdatedAt = at },
                CopyJobState.Waiting => random.Next(3) == 0 ? job.FailWith(codes[random.Next(codes.Length)], "refused", at) : job.MoveTo(CopyJobState.Claimed, at),
                CopyJobState.Claimed => job.MoveTo(CopyJobState.Copying, at) with { TargetImageId = "ami-0000000000000000f" },
                CopyJobState.Copying => random.Next(3) switch
                {
                    0 => job.FailWith(codes[random.Next(codes.Length)], "failed", at),
                    1 => job.MoveTo(CopyJobState.Cancelled, at),
                    _ => job.MoveTo(CopyJobState.Available, at),
                },
                _ => job.MoveTo(CopyJobState.Waiting, at) with { Attempt = job.Attempt + 1, Wave = random.Next(3) },
            };
            var result = await store.TransitionAsync(job, to, Budget, CancellationToken.None);
            if (result.Applied)
            {
                rounds += job.State.IsTerminal() && !to.State.IsTerminal() ? 1 : 0;
                stale[i] = jobs[i];
                jobs[i] = result.Job!;
            }

            var distribution = (await InspectionOf(store).GetDistributionAsync(Distributed, CancellationToken.None))!;
            Assert.Equal(ExpectedCounts(jobs, rounds), NonZero(distribution));
            Assert.Equal(jobs.All(j => j.State.IsTerminal()), distribution.HasEnded);
        }
    }

    [Fact]
    public async Task A_distributions_progress_is_saved_only_over_the_record_as_read_and_a_job_write_makes_it_due_again()
    {
        var store = await NewStoreAsync();
        var job = await CreateAsync(store, Job("ami-0000000000000000a"));
        await CreateAsync(store, Job("ami-0000000000000000b", at: Now.AddMinutes(5)));
        var read = (await InspectionOf(store).GetDistributionAsync(Distributed, CancellationToken.None))!;
        Assert.Equal([Distributed], (await store.ListDistributionsToInspectAsync(Now, 10, CancellationToken.None)).Select(d => d.Key));

        var saved = await store.SaveDistributionAsync(read, read with
        {
            OpenedWave = 2,
            WavesAvailableAt = new Dictionary<int, DateTimeOffset> { [0] = Now },
            WavesResumed = new Dictionary<int, string> { [1] = "alice" },
            HeldReason = "held",
            EventSentRound = 0,
            InspectAt = null,
            Counts = new Dictionary<string, long> { ["OPEN"] = 99 },
        }, CancellationToken.None);

        Assert.NotNull(saved);
        Assert.Null(await store.SaveDistributionAsync(read, read with { OpenedWave = 5 }, CancellationToken.None));
        var stored = (await InspectionOf(store).GetDistributionAsync(Distributed, CancellationToken.None))!;
        Assert.Equal((2, Now, "alice", "held", 0L, 1L), (stored.OpenedWave, stored.WavesAvailableAt[0], stored.WavesResumed[1], stored.HeldReason, stored.EventSentRound, stored.Open));
        Assert.Equal((saved!.Version, (DateTimeOffset?)null), (stored.Version, stored.InspectAt));
        Assert.DoesNotContain(Distributed, (await store.ListDistributionsToInspectAsync(Now.AddHours(1), 10, CancellationToken.None)).Select(d => d.Key));

        // Another distribution stays due as its job left it; this one is due again from the write that ended its job, in order.
        var other = new DistributionId("us-east-1", "ami-0000000000000000b");
        await store.TransitionAsync(job, job.FailWith(FailureCodes.CopyRefused, "no", Now.AddMinutes(7)), Budget, CancellationToken.None);
        Assert.Equal([other], (await store.ListDistributionsToInspectAsync(Now.AddMinutes(6), 10, CancellationToken.None)).Select(d => d.Key));
        Assert.Equal([other, Distributed], (await store.ListDistributionsToInspectAsync(Now.AddMinutes(7), 10, CancellationToken.None)).Select(d => d.Key));
    }

    [Fact]
    public async Task Distributions_saved_together_are_all_written_or_none_when_one_changed_since_it_was_read()
    {
        var store = await NewStoreAsync();
        var job = await CreateAsync(store, Job("ami-0000000000000000a"));
        await CreateAsync(store, Job("ami-0000000000000000b", at: Now.AddMinutes(5)));
        var due = await store.ListDistributionsToInspectAsync(Now.AddHours(1), 10, CancellationToken.None);
        Assert.Equal(2, due.Count);

        // One of them changes after the read (its job ends): neither is written.
        await store.TransitionAsync(job, job.FailWith(FailureCodes.CopyRefused, "no", Now.AddMinutes(7)), Budget, CancellationToken.None);
        Assert.False(await store.SaveDistributionsAsync([.. due.Select(d => (d, d with { InspectAt = null, HeldReason = "quiet" }))], CancellationToken.None));
        var reads = InspectionOf(store);
        foreach (var read in due)
        {
            Assert.Null((await reads.GetDistributionAsync(read.Key, CancellationToken.None))!.HeldReason);
        }

        // Read again: both are written, each over its version, and leave the due list.
        var again = await store.ListDistributionsToInspectAsync(Now.AddHours(1), 10, CancellationToken.None);
        Assert.True(await store.SaveDistributionsAsync([.. again.Select(d => (d, d with { InspectAt = null, HeldReason = "quiet" }))], CancellationToken.None));
        foreach (var read in again)
        {
            var stored = (await reads.GetDistributionAsync(read.Key, CancellationToken.None))!;
            Assert.Equal(("quiet", read.Version + 1, read.Total), (stored.HeldReason, stored.Version, stored.Total));
        }

        Assert.Empty(await store.ListDistributionsToInspectAsync(Now.AddHours(1), 10, CancellationToken.None));
    }

    [Fact]
    public async Task A_held_job_is_not_among_the_waiting_until_it_is_let_go_and_held_jobs_are_listed_by_wave()
    {
        var store = await NewStoreAsync();
        var jobs = (await store.CreateAllIfAbsentAsync(
        [
            Job("ami-0000000000000000a", account: "111111111111") with { Wave = 1, Held = true },
            Job("ami-0000000000000000a", account: "222222222222") with { Wave = 2, Held = true },
            Job("ami-0000000000000000a", account: "333333333333") with { Wave = 1 },
        ], CancellationToken.None)).Select(r => r.Job).ToList();

        Assert.Empty(await store.ListWaitingAsync(TargetIreland, "us-east-1", readyBy: null, 10, CancellationToken.None));
        Assert.Equal(0, await store.CountWaitingAsync(TargetIreland, "us-east-1", CancellationToken.None));
        Assert.Equal([jobs[0].Key], (await store.ListHeldAsync(Distributed, 1, 10, CancellationToken.None)).Select(j => j.Key));
        Assert.Equal([jobs[0].Key, jobs[1].Key], (await store.ListHeldAsync(Distributed, 2, 10, CancellationToken.None)).Select(j => j.Key));
        Assert.Empty(await store.ListHeldAsync(new DistributionId("us-east-1", "ami-0000000000000000b"), 5, 10, CancellationToken.None));

        var letGo = (await store.TransitionAsync(jobs[0], jobs[0] with { Held = false }, Budget, CancellationToken.None)).Job!;
        Assert.Equal([letGo.Key], (await store.ListWaitingAsync(TargetIreland, "us-east-1", Now, 10, CancellationToken.None)).Select(j => j.Key));
        Assert.Equal([jobs[1].Key], (await store.ListHeldAsync(Distributed, 2, 10, CancellationToken.None)).Select(j => j.Key));
        Assert.Equal((1, false), (letGo.Wave, letGo.Held));
    }
}
