using System.Text.Json;
using AmiReplicator.Domain.Jobs;
using AmiReplicator.Domain.Policy;
using AmiReplicator.Domain.Slots;
using Xunit.Sdk;
using SimImageInfo = AmiReplicator.Ec2Simulator.ImageInfo;

namespace AmiReplicator.Resilience.Tests;

/// <summary>What must hold of the jobs, the counters and the images in EC2, whatever crashed or ran at the same time.</summary>
public static class Invariants
{
    /// <summary>
    /// Each counter lists exactly the jobs holding one of its slots (CLAIMED or COPYING jobs it covers), counts them, and
    /// stays within its budget; a source->destination counter holds the time-based copy throughput of exactly those jobs, in
    /// all never more than the pair's throughput budget. <paramref name="lessSeededDrift"/> takes out drift seeded on purpose and not repaired yet.
    /// </summary>
    public static void CountersAgreeWithJobs(IReadOnlyList<SlotCounter> counters, IReadOnlyList<CopyJob> jobs, ReplicationPolicy policy,
        string when, Func<SlotCounter, SlotCounter>? lessSeededDrift = null)
    {
        var holdingJobs = jobs.Where(j => j.State.HoldsSlot()).ToList();
        var holding = holdingJobs.Select(j => j.Key).ToHashSet();
        var scopes = counters.Select(c => c.Scope)
            .Concat(holding.SelectMany(SlotScope.HeldBy))
            .Distinct();
        foreach (var scope in scopes)
        {
            var stored = counters.SingleOrDefault(c => c.Scope == scope) ?? new SlotCounter(scope, 0, new HashSet<CopyJobKey>());
            var counter = lessSeededDrift?.Invoke(stored) ?? stored;

            var expected = holding.Where(scope.Covers).Select(k => k.ToString()).Order(StringComparer.Ordinal).ToList();
            var actual = counter.Holders.Select(k => k.ToString()).Order(StringComparer.Ordinal).ToList();
            Check(expected.SequenceEqual(actual),
                $"{when}: counter {scope} lists [{string.Join(", ", actual)}] but the jobs holding its slots are [{string.Join(", ", expected)}]");
            Check(counter.InFlight == counter.Holders.Count, $"{when}: counter {scope} has InFlight {counter.InFlight} for {counter.Holders.Count} holders");
            var budget = policy.BudgetFor(scope.Destination);
            var limit = scope.SourceRegion is null ? budget.MaxInFlight : budget.MaxInFlightPerSource;
            Check(counter.InFlight <= limit, $"{when}: counter {scope} has {counter.InFlight} copies in flight over its budget of {limit}");
            var throughput = SlotCounter.Holding(scope, holdingJobs);
            Check(counter.CommittedMiBps == throughput.CommittedMiBps && counter.HolderMiBps.Count == throughput.HolderMiBps.Count
                && throughput.HolderMiBps.All(h => counter.HolderMiBps.GetValueOrDefault(h.Key) == h.Value),
                $"{when}: counter {scope} commits {counter.CommittedMiBps} MiB/s for {counter.HolderMiBps.Count} holders, but its jobs hold {throughput.CommittedMiBps} MiB/s for {throughput.HolderMiBps.Count}");
            Check(counter.CommittedMiBps <= budget.MaxSnapshotCopyMiBpsPerSource,
                $"{when}: counter {scope} commits {counter.CommittedMiBps} MiB/s over its throughput budget of {budget.MaxSnapshotCopyMiBpsPerSource}");
        }
    }

    /// <summary>
    /// In EC2, at any moment: at most one pending-or-available copy per job, and every pending copy belongs to a job that holds
    /// its slots (else EC2 runs more copies than the counters admit).
    /// </summary>
    public static void ImagesAgreeWithJobs(Ec2Simulator.Ec2Simulator ec2, IEnumerable<string> destinations, IReadOnlyList<CopyJob> jobs, string when)
    {
        var byKey = jobs.ToDictionary(j => j.Key);
        foreach (var destination in destinations)
        {
            foreach (var group in Copies(ec2, destination).Where(i => i.State is "pending" or "available").GroupBy(JobOf))
            {
                Check(group.Count() == 1,
                    $"{when}: job {group.Key} has {group.Count()} live copies in EC2: {string.Join(", ", group.Select(i => $"{i.ImageId} ({i.State})"))}");
                foreach (var pending in group.Where(i => i.State == "pending"))
                {
                    var job = byKey.GetValueOrDefault(group.Key);
                    Check(job?.State.HoldsSlot() == true,
                        $"{when}: copy {pending.ImageId} is pending in EC2 but its job {group.Key} is {job?.State.ToString() ?? "missing"}: it holds no slot");
                }
            }
        }
    }

    /// <summary>Most copies EC2 ever ran at once, per destination and per source->destination, are within the budgets.</summary>
    public static void PeaksWithinBudgets(Ec2Simulator.Ec2Simulator ec2, ReplicationPolicy policy, IEnumerable<string> sourceRegions)
    {
        foreach (var destination in policy.Destinations)
        {
            var peak = ec2.PeakPendingCopies(destination.Region);
            Check(peak <= destination.Budget.MaxInFlight,
                $"EC2 ran {peak} copies at once into {destination.Region}; its budget is {destination.Budget.MaxInFlight}");
            foreach (var source in sourceRegions)
            {
                var pairPeak = ec2.PeakPendingCopies(source, destination.Region);
                Check(pairPeak <= destination.Budget.MaxInFlightPerSource,
                    $"EC2 ran {pairPeak} copies at once from {source} into {destination.Region}; the pair budget is {destination.Budget.MaxInFlightPerSource}");
            }
        }
    }

    /// <summary>
    /// After recovery: every job available (or, if named in <paramref name="failing"/>, failed, or in <paramref name="cancelled"/>,
    /// cancelled, with no copy at all), exactly one available copy per available job of the home account (its target), nothing pending
    /// there, no failed copy left behind, every counter at zero with no holder.
    /// </summary>
    public static void Settled(Ec2Simulator.Ec2Simulator ec2, IReadOnlyList<CopyJob> jobs, IReadOnlyList<SlotCounter> counters,
        IEnumerable<string> destinations, IReadOnlySet<CopyJobKey>? failing = null, IReadOnlySet<CopyJobKey>? cancelled = null)
    {
        foreach (var job in jobs)
        {
            var expected = failing?.Contains(job.Key) == true ? CopyJobState.Failed
                : cancelled?.Contains(job.Key) == true ? CopyJobState.Cancelled
                : CopyJobState.Available;
            Check(job.State == expected, $"job {job.Key} ended {job.State} ({job.LastError}); {expected} was expected");
        }

        foreach (var destination in destinations)
        {
            var copies = Copies(ec2, destination);
            Check(!copies.Any(i => i.State is "pending" or "failed"),
                $"{destination} still has copies {string.Join(", ", copies.Where(i => i.State is "pending" or "failed").Select(i => $"{i.ImageId} ({i.State})"))}");
            foreach (var job in jobs.Where(j => j.Key.DestinationAccount is null && j.Key.DestinationRegion == destination))
            {
                var available = copies.Where(i => JobOf(i) == job.Key && i.State == "available").ToList();
                Check(job.State == CopyJobState.Available
                        ? available.Count == 1 && available[0].ImageId == job.TargetImageId
                        : available.Count == 0,
                    $"job {job.Key} ({job.State}, target {job.TargetImageId}) has available copies [{string.Join(", ", available.Select(i => i.ImageId))}]");
            }
        }

        foreach (var counter in counters)
        {
            Check(counter.InFlight == 0 && counter.Holders.Count == 0,
                $"counter {counter.Scope} ends with InFlight {counter.InFlight} and holders [{string.Join(", ", counter.Holders)}]");
        }
    }

    /// <summary>The replicator's copies in a region (images EC2 made by CopyImage), deregistered ones included.</summary>
    public static IReadOnlyList<SimImageInfo> Copies(Ec2Simulator.Ec2Simulator ec2, string destination) =>
        ec2.Images(destination).Where(i => i.SourceImageId is not null).ToList();

    public static CopyJobKey JobOf(SimImageInfo copy) => new(copy.SourceRegion!, copy.SourceImageId!, copy.Region);

    /// <summary>The "message" of every JSON log line (metric lines in embedded metric format have none).</summary>
    public static IReadOnlyList<string> LogMessages(string log) => log
        .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
        .Select(line =>
        {
            using var json = JsonDocument.Parse(line);
            return json.RootElement.TryGetProperty("message", out var message) ? message.GetString() : null;
        })
        .OfType<string>()
        .ToList();

    public static void Check(bool condition, string message)
    {
        if (!condition)
        {
            throw new XunitException(message);
        }
    }
}
