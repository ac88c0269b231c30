using System.Diagnostics;
using System.Reflection;
using Amazon.SQS.Model;
using AmiReplicator.Domain.Images;
using AmiReplicator.Domain.Jobs;
using AmiReplicator.Domain.Policy;
using AmiReplicator.Domain.Slots;
using AmiReplicator.Resilience.Tests.Faults;
using AmiReplicator.TestSupport;
using Xunit.Abstractions;
using static AmiReplicator.Resilience.Tests.Invariants;

namespace AmiReplicator.Resilience.Tests;

/// <summary>
/// A worker (dispatcher or poller) dies at a step boundary, the system runs on, and after recovery there is exactly
/// one copy per job, no slot held by a job that is not copying, every job done, and the log shows each repair that was needed.
/// The boundaries are every method of the two ports, before and after, at each step where the scenario calls it.
/// </summary>
[Collection(CrashCollection.Name)]
public class CrashAnywhereTests(LocalCloudFixture cloud, ITestOutputHelper output)
{
    private static readonly SemaphoreSlim DryRunGate = new(1, 1);
    private static IReadOnlyList<Boundary>? _dryRun;

    private static readonly ReplicationPolicy Policy = ReplicationPolicy.Parse(CrashScenario.PolicyJson);

    /// <summary>Every method of both ports, before and after: a method added to a port is a new boundary without editing this list.</summary>
    public static TheoryData<string, string, Phase> Boundaries()
    {
        var data = new TheoryData<string, string, Phase>();
        foreach (var (port, type) in new[] { (FaultyJobStore.Port, typeof(ICopyJobStore)), (FaultyImageGateway.Port, typeof(IImageGateway)) })
        {
            foreach (var method in type.GetMethods(BindingFlags.Public | BindingFlags.Instance).Select(m => m.Name).Distinct())
            {
                data.Add(port, method, Phase.Before);
                data.Add(port, method, Phase.After);
            }
        }

        return data;
    }

    [Fact]
    public async Task Without_a_crash_the_scenario_settles_and_both_workers_take_steps()
    {
        var calls = await DryRunAsync();

        foreach (var step in calls.Distinct())
        {
            output.WriteLine($"{step}: {calls.Count(c => c == step)} calls");
        }

        Assert.Contains(calls, c => c.Actor == Actor.Dispatcher);
        Assert.Contains(calls, c => c.Actor == Actor.Poller);
    }

    [Theory]
    [MemberData(nameof(Boundaries))]
    public async Task A_worker_dying_at_a_step_boundary_leaves_nothing_that_is_not_repaired(string port, string method, Phase phase)
    {
        var steps = (await DryRunAsync()).Where(c => c.Port == port && c.Method == method).Distinct().ToList();
        Assert.True(steps.Count > 0, $"The scenario never calls {port}.{method}, so no crash is tried there: extend CrashScenario to reach it.");

        foreach (var step in steps)
        {
            var started = Stopwatch.GetTimestamp();
            var point = new CrashPoint(step, phase);
            await CrashAndRecoverAsync(point);
            output.WriteLine($"{point}: recovered ({Stopwatch.GetElapsedTime(started).TotalSeconds:0.0} s)");
        }
    }

    /// <summary>The scenario once without a crash, recording every port call: the boundaries the crashes are tried at.</summary>
    private async Task<IReadOnlyList<Boundary>> DryRunAsync()
    {
        await DryRunGate.WaitAsync();
        try
        {
            if (_dryRun is null)
            {
                await using var scenario = await CrashScenario.StartAsync(cloud.Servers, new CrashPlan());
                await scenario.RunAsync();
                await AssertRecoveredAsync(scenario);
                _dryRun = scenario.Plan.Calls;
            }

            return _dryRun;
        }
        finally
        {
            DryRunGate.Release();
        }
    }

    private async Task CrashAndRecoverAsync(CrashPoint point)
    {
        await using var scenario = await CrashScenario.StartAsync(cloud.Servers, new CrashPlan(point));
        try
        {
            await scenario.RunAsync();
            Check(scenario.Plan.Crashed, "the run never reached the boundary it was to crash at");
            await AssertRecoveredAsync(scenario);
        }
        catch (Exception e)
        {
            output.WriteLine(scenario.Local.Log.ToString());
            throw new Xunit.Sdk.XunitException($"Crash {point}: {e.Message}\n{e.StackTrace}");
        }
    }

    private static async Task AssertRecoveredAsync(CrashScenario scenario)
    {
        var h = scenario.Local;
        var jobs = await h.JobsAsync();
        var counters = await h.CountersAsync();

        // Right after the crash: the crash itself left the counters and EC2 consistent with the jobs (one write per step).
        if (scenario.AtCrash is var (crashJobs, crashCounters))
        {
            CountersAgreeWithJobs(crashCounters, crashJobs, Policy, "right after the crash", CrashScenario.LessSeededDrift);
            ImagesAgreeWithJobs(h.Simulator, CrashScenario.Destinations, crashJobs, "right after the crash");
        }

        // After recovery.
        Check(CrashScenario.ExpectedJobs.Select(k => k.ToString()).Order(StringComparer.Ordinal).SequenceEqual(jobs.Select(j => j.Key.ToString()).Order(StringComparer.Ordinal)),
            $"jobs [{string.Join(", ", jobs.Select(j => j.Key))}]; one per AMI and destination asked was expected");
        Settled(h.Simulator, jobs, counters, CrashScenario.Destinations, new HashSet<CopyJobKey> { CrashScenario.RefusedJob });
        Check(jobs.Single(j => j.Key == CrashScenario.RefusedJob).LastError?.Contains("CopyImage refused", StringComparison.Ordinal) == true,
            $"{CrashScenario.RefusedJob} failed for another reason than EC2's refusal");
        PeaksWithinBudgets(h.Simulator, Policy, [CrashScenario.Source]);
        foreach (var job in jobs.Where(j => j is { State: CopyJobState.Available, Key.DestinationAccount: not null }))
        {
            var copies = h.Simulator.Account(job.Key.DestinationAccount!).Images(job.Key.DestinationRegion)
                .Where(i => i.OwnerId == job.Key.DestinationAccount && i.State is "available" or "pending" && i.Tags.GetValueOrDefault("amireplicator:source-image-id") == job.Key.SourceImageId).ToList();
            Check(copies.Count == 1 && copies[0].ImageId == job.TargetImageId && copies[0].State == "available",
                $"target job {job.Key} ({job.TargetImageId}) has copies [{string.Join(", ", copies.Select(i => $"{i.ImageId} ({i.State})"))}] in its account");
        }

        foreach (var job in jobs.Where(j => j is { State: CopyJobState.Available, Key.DestinationAccount: null }))
        {
            var copy = h.Simulator.FindImage(job.Key.DestinationRegion, job.TargetImageId!)!;
            Check(job.Tags.All(t => copy.Tags.GetValueOrDefault(t.Key) == t.Value), $"copy {copy.ImageId} of {job.Key} lacks tags: has {string.Join(", ", copy.Tags)}");
            Check(CrashScenario.SourcePermissions.All(copy.LaunchPermissions.Contains), $"copy {copy.ImageId} of {job.Key} lacks launch permissions");
            Check(copy.DeprecationTime == CrashScenario.DeprecateAt, $"copy {copy.ImageId} of {job.Key} deprecates at {copy.DeprecationTime}");
        }

        var left = await h.Sqs.ReceiveMessageAsync(new ReceiveMessageRequest { QueueUrl = h.Queues.QueueUrl, MaxNumberOfMessages = 10 });
        Check((left.Messages ?? []).Count == 0, "messages are left on the request queue");
        Check((await h.DeadLettersAsync()).Count == 0, "a message ended in the DLQ");

        AssertRepairsLogged(scenario);
    }

    /// <summary>
    /// Each claim the crash left behind was repaired by calling CopyImage again, and the log says so; the inherited drift was
    /// repaired and logged; and nothing else was "repaired" (the reconciler does not touch a healthy job or counter).
    /// </summary>
    private static void AssertRepairsLogged(CrashScenario scenario)
    {
        var messages = LogMessages(scenario.Local.Log.ToString());
        // Claims left behind: by the crash, and by the CopyImage whose answer was lost (if that happened before the crash).
        // A claim kept under back-pressure (NotBefore set) is resumed when the back-off ends, not repaired.
        var leftClaimed = (scenario.AtCrash?.Jobs.Where(j => j is { State: CopyJobState.Claimed, NotBefore: null }).Select(j => j.Key) ?? [])
            .Append(scenario.LostAnswerJob)
            .OfType<CopyJobKey>()
            .Select(k => k.ToString())
            .Distinct()
            .ToList();
        foreach (var key in leftClaimed)
        {
            Check(messages.Any(m => m.StartsWith($"Repairing {key}:", StringComparison.Ordinal)),
                $"{key} was left CLAIMED, but no repair of it is logged");
        }

        foreach (var repairing in messages.Where(m => m.StartsWith("Repairing ", StringComparison.Ordinal)))
        {
            Check(leftClaimed.Any(key => repairing.StartsWith($"Repairing {key}:", StringComparison.Ordinal)), $"unexpected repair: {repairing}");
        }

        var ghostRepair = $"Repaired counter {SlotScope.All(CopyDestination.Home(CrashScenario.Ghost.DestinationRegion))}: {CrashScenario.Ghost} (no such job) held a slot it should not";
        var inFlightRepair = $"Repaired counter {CrashScenario.DriftedInFlight}: InFlight was {CrashScenario.DriftedInFlightValue} for 0 holders";
        foreach (var repaired in messages.Where(m => m.StartsWith("Repaired ", StringComparison.Ordinal)))
        {
            Check(repaired == ghostRepair || repaired == inFlightRepair, $"unexpected repair: {repaired}");
        }

        // A worker that dies right after a repair took effect never logs it: only then may its line be missing.
        var crash = scenario.Plan.CrashAt;
        if (crash is not { Phase: Phase.After, At.Method: nameof(ICopyJobStore.RepairHolderAsync) })
        {
            Check(messages.Contains(ghostRepair), $"not logged: {ghostRepair}");
        }

        if (crash is not { Phase: Phase.After, At.Method: nameof(ICopyJobStore.RepairInFlightAsync) })
        {
            Check(messages.Contains(inFlightRepair), $"not logged: {inFlightRepair}");
        }
    }
}
