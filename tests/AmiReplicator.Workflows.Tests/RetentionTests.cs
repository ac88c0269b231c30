using AmiReplicator.Domain.Jobs;
using AmiReplicator.Domain.Lifecycle;
using AmiReplicator.Ec2Simulator;
using Microsoft.Extensions.Logging.Abstractions;

namespace AmiReplicator.Workflows.Tests;

/// <summary>Retention: the newest copies of each family are kept per destination, older ones the replicator made removed with their snapshots.</summary>
public class RetentionTests
{
    [Fact]
    public async Task Older_copies_of_a_family_are_removed_with_their_snapshots_protected_and_listed_ones_kept_and_nothing_else_touched()
    {
        var names = Enumerable.Range(1, 5).Select(i => $"golden-al2023-{i}").ToList();
        await using var h = await WorkflowHarness.StartAsync("""{"destinations":[{"region":"eu-west-1"}]}""");
        var sources = new List<string>();
        var jobs = new List<CopyJob>();
        foreach (var name in names.Append("base-1"))
        {
            // One after another (seeded when asked for, so the sweep does not start them together): each copy is newer than the last.
            var source = h.Simulator.SeedImage("us-east-1", new SeedImage { Name = name });
            sources.Add(source);
            h.Send($$"""{"sourceRegion":"us-east-1","sourceImageId":"{{source}}","requestedBy":"test"}""");
            await h.DeliverAsync();
            jobs.Add((await h.RunPollerUntilDoneAsync()).Single(j => j.Key.SourceImageId == source));
        }

        // Made by hand in the destination, in the family by name: not the replicator's, never touched.
        var manual = h.Simulator.SeedImage("eu-west-1", new SeedImage { Name = "golden-al2023-manual", CreationDate = h.Clock.GetUtcNow().AddDays(-30) });
        h.Simulator.ProtectImage("eu-west-1", jobs[1].TargetImageId!);
        h.ChangePolicy($$$"""
            {"destinations":[{"region":"eu-west-1"}],
             "retention":{"keepLatest":2,"familyNamePrefixes":["golden-al2023-"],"keep":["{{{sources[0]}}}"]}}
            """);

        // The dry run (what `amirepl prune --dry-run` shows) says what would go and why, and changes nothing.
        var retention = h.Workflows.Retention ?? throw new InvalidOperationException("the policy in force has retention");
        var plan = await retention.PlanAsync(CopyDestination.Home("eu-west-1"), CancellationToken.None);
        Assert.Equal(
            [
                (jobs[4].TargetImageId, RetentionAction.Keep), (jobs[3].TargetImageId, RetentionAction.Keep), (jobs[2].TargetImageId, RetentionAction.Remove),
                (jobs[1].TargetImageId, RetentionAction.KeepProtected), (jobs[0].TargetImageId, RetentionAction.KeepListed),
            ],
            plan.Decisions.Select(d => ((string?)d.Copy.ImageId, d.Action)));
        Assert.All(plan.Decisions, d => Assert.Equal("golden-al2023-", d.Family));
        Assert.Equal("1 older than the newest 2", plan.Decisions.Single(d => d.Action == RetentionAction.Remove).Why);
        Assert.All(jobs, j => Assert.Equal("available", h.Simulator.FindImage("eu-west-1", j.TargetImageId!)!.State));

        // The scheduled run removes it, notes it on the job and counts it.
        var removedCopy = h.Simulator.FindImage("eu-west-1", jobs[2].TargetImageId!)!;
        h.Clock.Advance(TimeSpan.FromMinutes(60));
        var report = await h.RunPollerAsync();

        Assert.Equal(1, report.RemovedByRetention);
        Assert.Equal("deregistered", h.Simulator.FindImage("eu-west-1", removedCopy.ImageId)!.State);
        Assert.All(removedCopy.BlockDevices, d => Assert.Equal("deleted", h.Simulator.Snapshots("eu-west-1").Single(s => s.SnapshotId == d.SnapshotId).State));
        Assert.All(jobs.Where(j => j != jobs[2]).Select(j => j.TargetImageId!).Append(manual),
            id => Assert.Equal("available", h.Simulator.FindImage("eu-west-1", id)!.State));
        var job = (await h.JobsAsync()).Single(j => j.Key == jobs[2].Key);
        Assert.Equal(CopyJobState.Available, job.State);
        Assert.Contains($"{removedCopy.ImageId} removed by retention with its snapshots: family golden-al2023-, 1 older than the newest 2", job.Notes);
        Assert.Contains("CopiesRemovedByRetention", h.Log.ToString(), StringComparison.Ordinal);
        Assert.Contains("Retention keeps", h.Log.ToString(), StringComparison.Ordinal);

        // Not due again within the interval, and nothing more to remove after it; the sweep does not copy the source again.
        Assert.Equal(0, (await h.RunPollerAsync()).RemovedByRetention);
        h.Clock.Advance(TimeSpan.FromMinutes(60));
        var later = await h.RunPollerAsync();
        Assert.Equal((0, 0), (later.RemovedByRetention, later.Swept));
    }
}
