using System.Reflection;
using AmiReplicator.Domain.Copying;
using AmiReplicator.Domain.Jobs;
using AmiReplicator.Domain.Slots;
using AmiReplicator.Ec2Simulator;
using AmiReplicator.LocalCloud;

namespace AmiReplicator.Workflows.Tests;

/// <summary>
/// A distribution (every copy of one source AMI) followed as a whole: one completed event when its last copy ends, and rollout
/// waves, each starting once the one before is available and has soaked; a failed target holds the later waves until a person
/// resumes them or a retry succeeds.
/// </summary>
public class RolloutTests
{
    private const string First = "111111111111";
    private const string Second = "222222222222";
    private const string WithoutRole = "333333333333";

    private static string Policy(string rollout = "") => $$"""
        {"destinations":[{"region":"eu-west-1"}],
         "targets":[{"accounts":["{{First}}","{{Second}}","{{WithoutRole}}"],"regions":["eu-west-1"],"maxInFlight":1}]{{rollout}}}
        """;

    private static async Task<string> NewBuildAsync(WorkflowHarness h)
    {
        var source = h.Simulator.SeedImage("us-east-1", new SeedImage { Name = "golden-1" });
        h.Send(LocalReplication.AvailableEvent("us-east-1", source));
        await h.DeliverAsync();
        return source;
    }

    private static async Task<CopyJob> JobOfAsync(WorkflowHarness h, string? account) => (await h.JobsAsync()).Single(j => j.Key.DestinationAccount == account);

    private static async Task<Distribution> DistributionAsync(WorkflowHarness h, string source) =>
        (await h.Store.GetDistributionAsync(new DistributionId("us-east-1", source), CancellationToken.None))!;

    /// <summary>The poller each virtual minute until <paramref name="done"/> holds (at most two hours).</summary>
    private static async Task RunUntilAsync(WorkflowHarness h, Func<IReadOnlyList<CopyJob>, bool> done)
    {
        for (var minute = 0; minute < 120 && !done(await h.JobsAsync()); minute++)
        {
            h.Clock.Advance(TimeSpan.FromMinutes(1));
            await h.RunPollerAsync();
        }

        Assert.True(done(await h.JobsAsync()), string.Join("\n", (await h.JobsAsync()).Select(j => $"{j.Key} {j.State} held={j.Held} {j.LastError}")));
    }

    [Fact]
    public async Task One_completed_event_goes_when_the_last_target_ends_with_the_counts_by_state_failure_code_and_account()
    {
        await using var h = await WorkflowHarness.StartAsync(Policy());
        TargetAccountsTests.SpokeRoles(h, First, Second);
        var source = await NewBuildAsync(h);

        // Sent in the pass that ended the last copy, and never again.
        await h.RunPollerUntilDoneAsync();
        Assert.Single(h.CompletedEvents);
        for (var minute = 0; minute < 5; minute++)
        {
            h.Clock.Advance(TimeSpan.FromMinutes(1));
            await h.RunPollerAsync();
        }

        var completed = Assert.Single(h.CompletedEvents);
        Assert.Equal((new DistributionId("us-east-1", source), 0L), (completed.Key, completed.Round));
        Assert.Equal(new Dictionary<string, long> { ["AVAILABLE"] = 3, ["FAILED"] = 1 }, completed.ByState);
        Assert.Equal(new Dictionary<string, long> { [FailureCodes.RoleDenied] = 1 }, completed.ByFailureCode);
        Assert.Equal([WithoutRole], completed.ProblemAccounts.Keys);
        Assert.Empty(completed.Waves);
        Assert.Empty(await h.Store.ListDistributionsToInspectAsync(h.Clock.GetUtcNow().AddDays(1), 10, CancellationToken.None));
    }

    [Fact]
    public async Task A_worker_dying_after_the_write_that_ended_the_last_copy_and_a_bus_refusing_the_event_still_give_one_event()
    {
        var dying = new DiesAfterTheLastEnd();
        await using var h = await WorkflowHarness.StartAsync(Policy(), storeAround: dying.Around);
        TargetAccountsTests.SpokeRoles(h, First, Second, WithoutRole);
        var source = await NewBuildAsync(h);
        dying.Armed = true;
        h.EventBusDown = true;

        // The pass whose write ends the last copy dies right after it; the next pass finds the event due and cannot send it.
        while (!dying.Died && h.Clock.GetUtcNow() < h.Clock.Start.AddHours(2))
        {
            h.Clock.Advance(TimeSpan.FromMinutes(1));
            try
            {
                await h.RunPollerAsync();
            }
            catch (OperationCanceledException) when (dying.Died)
            {
            }
        }

        Assert.True(dying.Died);
        Assert.All(await h.JobsAsync(), j => Assert.True(j.State.IsTerminal()));
        h.Clock.Advance(TimeSpan.FromMinutes(1));
        await h.RunPollerAsync();
        Assert.Empty(h.CompletedEvents);
        Assert.False((await DistributionAsync(h, source)).EventSentRound.HasValue);

        h.EventBusDown = false;
        for (var minute = 0; minute < 3; minute++)
        {
            h.Clock.Advance(TimeSpan.FromMinutes(1));
            await h.RunPollerAsync();
        }

        Assert.Equal(4, Assert.Single(h.CompletedEvents).ByState["AVAILABLE"]);
    }

    [Fact]
    public async Task A_later_wave_starts_only_once_every_copy_of_the_wave_before_is_available_and_has_soaked()
    {
        await using var h = await WorkflowHarness.StartAsync(Policy($$"""
            ,"rollout":{"waves":[{"accounts":["{{First}}"],"soakMinutes":30},{"accounts":["{{Second}}","{{WithoutRole}}"]}]}
            """));
        TargetAccountsTests.SpokeRoles(h, First, Second, WithoutRole);
        var source = await NewBuildAsync(h);

        var held = await JobOfAsync(h, Second);
        Assert.True(held.Held);
        Assert.Contains(held.Notes, n => n.StartsWith("held for wave 2", StringComparison.Ordinal));

        await RunUntilAsync(h, jobs => jobs.Single(j => j.Key.DestinationAccount == First).State == CopyJobState.Available);
        var firstAvailableAt = (await JobOfAsync(h, First)).CompletedAt!.Value;
        DateTimeOffset? secondStarted = null;
        await RunUntilAsync(h, jobs =>
        {
            secondStarted ??= jobs.Single(j => j.Key.DestinationAccount == Second).ClaimedAt;
            return jobs.All(j => j.State.IsTerminal());
        });

        Assert.InRange(secondStarted!.Value, firstAvailableAt.AddMinutes(30), firstAvailableAt.AddMinutes(32));
        var second = await JobOfAsync(h, Second);
        Assert.Equal(CopyJobState.Available, second.State);
        Assert.Contains(second.Notes, n => n.StartsWith("wave 2 started: every copy of wave 1 available since", StringComparison.Ordinal) && n.EndsWith("soaked 30 minutes", StringComparison.Ordinal));
        await RunUntilAsync(h, _ => h.CompletedEvents.Count > 0);
        var completed = Assert.Single(h.CompletedEvents);
        Assert.Equal([1, 2], completed.Waves.Keys.Order());
        Assert.Equal(2, completed.Waves[1]["AVAILABLE"]);
        Assert.Equal((1, null), ((await DistributionAsync(h, source)).OpenedWave, (await DistributionAsync(h, source)).HeldReason));
    }

    [Fact]
    public async Task A_failed_target_holds_the_later_waves_visibly_until_a_person_resumes_the_rollout()
    {
        var (h, source) = await HeldByAFailedTargetAsync();
        await using var _ = h;
        for (var minute = 0; minute < 10; minute++)
        {
            h.Clock.Advance(TimeSpan.FromMinutes(1));
            await h.RunPollerAsync();
        }

        var held = await JobOfAsync(h, Second);
        Assert.Equal((CopyJobState.Waiting, true), (held.State, held.Held));
        var distribution = await DistributionAsync(h, source);
        Assert.Contains("wave 2 and later are held: wave 1 has 1 FAILED:ROLE_DENIED", distribution.HeldReason, StringComparison.Ordinal);
        Assert.Empty(h.CompletedEvents);

        var resumed = await h.Workflows.Distributions.ResumeAsync(h.Store, distribution.Key, "alice", "333333333333 is being retired", CancellationToken.None);

        Assert.Equal((ResumeStatus.Resumed, 1), (resumed.Status, resumed.Wave));
        await RunUntilAsync(h, _ => h.CompletedEvents.Count > 0);
        var second = await JobOfAsync(h, Second);
        Assert.Equal(CopyJobState.Available, second.State);
        Assert.Contains(second.Notes, n => n.StartsWith("wave 2 started: wave 1 was resumed past its failed targets by alice at", StringComparison.Ordinal)
            && n.EndsWith("(333333333333 is being retired)", StringComparison.Ordinal));
        Assert.Equal(new Dictionary<string, long> { [FailureCodes.RoleDenied] = 1 }, Assert.Single(h.CompletedEvents).ByFailureCode);
        Assert.Equal(ResumeStatus.NotHeld, (await h.Workflows.Distributions.ResumeAsync(h.Store, distribution.Key, "bob", null, CancellationToken.None)).Status);
    }

    [Fact]
    public async Task A_failed_target_retried_with_success_lets_the_later_waves_go()
    {
        var (h, source) = await HeldByAFailedTargetAsync();
        await using var _ = h;
        Assert.True((await JobOfAsync(h, Second)).Held);

        TargetAccountsTests.SpokeRoles(h, WithoutRole);
        h.Send($$"""{"sourceRegion":"us-east-1","sourceImageId":"{{source}}","requestedBy":"alice","reason":"role deployed"}""");
        await h.DeliverAsync();
        await RunUntilAsync(h, jobs => jobs.All(j => j.State == CopyJobState.Available));

        Assert.Contains((await JobOfAsync(h, Second)).Notes, n => n.StartsWith("wave 2 started: every copy of wave 1 available since", StringComparison.Ordinal));
        await RunUntilAsync(h, _ => h.CompletedEvents.Count > 0);
        var completed = Assert.Single(h.CompletedEvents);
        Assert.Equal((1L, 4L), (completed.Round, completed.ByState["AVAILABLE"]));
    }

    /// <summary>Two waves, the first with an account without the spoke role: a new build run until the first wave has ended.</summary>
    private static async Task<(WorkflowHarness H, string Source)> HeldByAFailedTargetAsync()
    {
        var h = await WorkflowHarness.StartAsync(Policy($$"""
            ,"rollout":{"waves":[{"accounts":["{{WithoutRole}}","{{First}}"]},{"accounts":["{{Second}}"]}]}
            """));
        TargetAccountsTests.SpokeRoles(h, First, Second);
        var source = await NewBuildAsync(h);
        await RunUntilAsync(h, jobs => jobs.Count(j => j.State.IsTerminal()) == 3);
        return (h, source);
    }

    /// <summary>The job store, whose caller dies (throws) right after the write that ends the last open job of a distribution.</summary>
    private sealed class DiesAfterTheLastEnd
    {
        public bool Armed { get; set; }
        public bool Died { get; private set; }

        public ICopyJobStore Around(ICopyJobStore inner)
        {
            var proxy = DispatchProxy.Create<ICopyJobStore, Proxy>();
            ((Proxy)(object)proxy).Init(inner, this);
            return proxy;
        }

#pragma warning disable CA1852 // DispatchProxy makes a type derived from it: it cannot be sealed.
        public class Proxy : DispatchProxy
#pragma warning restore CA1852
        {
            private ICopyJobStore _inner = null!;
            private DiesAfterTheLastEnd _owner = null!;

            internal void Init(ICopyJobStore inner, DiesAfterTheLastEnd owner) => (_inner, _owner) = (inner, owner);

            protected override object? Invoke(MethodInfo? method, object?[]? args)
            {
                var result = method!.Invoke(_inner, args);
                return method.Name == nameof(ICopyJobStore.TransitionAsync) ? DieAfterAsync((Task<TransitionResult>)result!) : result;
            }

            private async Task<TransitionResult> DieAfterAsync(Task<TransitionResult> transition)
            {
                var result = await transition;
                if (_owner.Armed && !_owner.Died && result is { Applied: true, Job: { } job } && job.State.IsTerminal()
                    && _inner is ICopyJobInspection reads
                    && await reads.GetDistributionAsync(DistributionId.Of(job.Key), CancellationToken.None) is { HasEnded: true })
                {
                    _owner.Died = true;
                    throw new OperationCanceledException("the worker died after its write");
                }

                return result;
            }
        }
    }
}
