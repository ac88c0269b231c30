using AmiReplicator.Domain.Jobs;
using AmiReplicator.Domain.Lifecycle;
using AmiReplicator.Ec2Simulator;
using Microsoft.Extensions.Logging.Abstractions;

namespace AmiReplicator.Workflows.Tests;

/// <summary>
/// Retention and the latest-copy parameter under the histories real accounts have: backfills of older builds, copies made before
/// builds were recorded on them, a second deployment's copies in the same region, and older copies still in use.
/// </summary>
public class RetentionHistoryTests
{
    private const string Destination = "eu-west-1";
    private const string Parameter = "/amirepl/latest/golden-";
    private static readonly TimeSpan Sweep = TimeSpan.FromMinutes(60);

    /// <summary>Past SSM's asynchronous check of an aws:ec2:image value, after which a write shows.</summary>
    private static readonly TimeSpan ParameterCheck = TimeSpan.FromSeconds(5);

    private const string KeepOne = """
        {"destinations":[{"region":"eu-west-1"}],
         "retention":{"keepLatest":1,"familyNamePrefixes":["golden-"]},
         "latestCopyParameter":"/amirepl/latest/{family}"}
        """;

    [Fact]
    public async Task Backfilling_an_older_build_after_the_newest_never_removes_the_newest_builds_copy_nor_moves_the_parameter_to_it()
    {
        await using var h = await WorkflowHarness.StartAsync(KeepOne);
        var older = h.Simulator.SeedImage("us-east-1", new SeedImage { Name = "golden-2026.10", CreationDate = h.Clock.GetUtcNow().AddDays(-30) });
        var newest = h.Simulator.SeedImage("us-east-1", new SeedImage { Name = "golden-2026.11", CreationDate = h.Clock.GetUtcNow().AddDays(-1) });

        var newestCopy = Assert.Single(await ByHand.ReplicateAsync(h, newest)).TargetImageId!;
        // The backfill of the older build is copied after it: its copy is the newer image, but of the older build.
        var olderCopy = (await ByHand.ReplicateAsync(h, older)).Single(j => j.Key.SourceImageId == older).TargetImageId!;
        h.Clock.Advance(ParameterCheck);
        Assert.Equal(newestCopy, h.Simulator.FindParameter(Destination, Parameter)?.Value);
        Assert.Equal(h.Simulator.FindImage("us-east-1", older)!.CreationDate.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", System.Globalization.CultureInfo.InvariantCulture),
            h.Simulator.FindImage(Destination, olderCopy)!.Tags[ProvenanceTags.SourceCreated]);

        h.Clock.Advance(Sweep);
        Assert.Equal(1, (await h.RunPollerAsync()).RemovedByRetention);
        h.Clock.Advance(ParameterCheck);

        Assert.Equal("available", h.Simulator.FindImage(Destination, newestCopy)!.State);
        Assert.Equal("deregistered", h.Simulator.FindImage(Destination, olderCopy)!.State);
        Assert.Equal(newestCopy, h.Simulator.FindParameter(Destination, Parameter)?.Value);
        Assert.Contains($"{olderCopy} removed by retention with its snapshots: family golden-, 1 older than the newest 1",
            (await h.JobsAsync()).Single(j => j.Key.SourceImageId == older).Notes);
    }

    [Fact]
    public async Task A_copy_made_before_builds_were_recorded_ranks_by_its_sources_creation_and_its_jobs_sweep_tags_it()
    {
        await using var h = await WorkflowHarness.StartAsync("""{"destinations":[{"region":"eu-west-1"}]}""");
        var older = h.Simulator.SeedImage("us-east-1", new SeedImage { Name = "golden-1", CreationDate = h.Clock.GetUtcNow().AddDays(-30) });
        var job = Assert.Single(await ByHand.ReplicateAsync(h, older));
        // As a copy and a job recorded before this change: neither names the build or the deployment.
        string[] newKeys = [ProvenanceTags.SourceCreated, ProvenanceTags.Deployment];
        await h.Ec2(Destination).DeleteTagsAsync(new() { Resources = [job.TargetImageId!], Tags = [.. newKeys.Select(k => new Amazon.EC2.Model.Tag(k, null))] });
        Assert.True((await h.Store.TransitionAsync(job, job with { Tags = job.Tags.Where(t => !newKeys.Contains(t.Key)).ToDictionary() },
            h.Policy.BudgetFor(CopyDestination.Home(Destination)), CancellationToken.None)).Applied);

        // A newer build copied since: made after the older copy, but of a newer build, which the older copy's source says.
        h.ChangePolicy(KeepOne);
        var newer = h.Simulator.SeedImage("us-east-1", new SeedImage { Name = "golden-2", CreationDate = h.Clock.GetUtcNow().AddDays(-2) });
        var newerCopy = (await ByHand.ReplicateAsync(h, newer)).Single(j => j.Key.SourceImageId == newer).TargetImageId!;
        var plan = await RetentionOf(h).PlanAsync(CopyDestination.Home(Destination), CancellationToken.None);
        Assert.Equal([(newerCopy, RetentionAction.Keep), (job.TargetImageId!, RetentionAction.Remove)], plan.Decisions.Select(d => (d.Copy.ImageId, d.Action)));

        // The sweep of its source region tags it as this deployment's copy of its build (its job names it).
        h.ChangePolicy("""{"destinations":[{"region":"eu-west-1"}]}""");
        h.Clock.Advance(Sweep);
        Assert.Empty((await h.RunPollerAsync()).Errors);
        var tags = h.Simulator.FindImage(Destination, job.TargetImageId!)!.Tags;
        Assert.Equal(ProvenanceTags.DefaultDeployment, tags[ProvenanceTags.Deployment]);
        Assert.Equal(h.Simulator.FindImage("us-east-1", older)!.CreationDate, ProvenanceTags.SourceCreatedAt(tags));
    }

    [Fact]
    public async Task One_deployment_never_counts_removes_points_at_or_follows_another_deployments_copies()
    {
        await using var h = await WorkflowHarness.StartAsync(KeepOne, deployment: "prod");
        // Staging's copies of the same family in the same region, of newer builds than prod's, and one made before copies named a
        // deployment (it belongs to the default deployment, not to prod).
        var staging = Enumerable.Range(1, 2).Select(i => h.Simulator.SeedImage(Destination, new SeedImage
        {
            Name = $"golden-staging-{i}",
            Tags = Provenance($"ami-0{i}aaaaaaaaaaaaaaa", h.Clock.GetUtcNow().AddDays(i), "staging"),
        })).ToList();
        var legacy = h.Simulator.SeedImage(Destination, new SeedImage
        {
            Name = "golden-legacy",
            Tags = new Dictionary<string, string> { [ProvenanceTags.SourceImageId] = "ami-0bbbbbbbbbbbbbbbb", [ProvenanceTags.SourceRegion] = "us-east-1" },
        });

        var first = h.Simulator.SeedImage("us-east-1", new SeedImage { Name = "golden-1" });
        var firstCopy = Assert.Single(await ByHand.ReplicateAsync(h, first)).TargetImageId!;
        var second = h.Simulator.SeedImage("us-east-1", new SeedImage { Name = "golden-2" });
        var secondCopy = (await ByHand.ReplicateAsync(h, second)).Single(j => j.Key.SourceImageId == second).TargetImageId!;
        Assert.Equal("prod", h.Simulator.FindImage(Destination, secondCopy)!.Tags[ProvenanceTags.Deployment]);

        h.Clock.Advance(Sweep);
        var report = await h.RunPollerAsync();
        h.Clock.Advance(ParameterCheck);

        Assert.Equal(1, report.RemovedByRetention);
        Assert.Equal("deregistered", h.Simulator.FindImage(Destination, firstCopy)!.State);
        Assert.Equal(secondCopy, h.Simulator.FindParameter(Destination, Parameter)?.Value);
        foreach (var other in staging.Append(legacy))
        {
            var image = h.Simulator.FindImage(Destination, other)!;
            Assert.Equal("available", image.State);
            Assert.DoesNotContain(image.Tags, t => t.Value == "prod");
        }

        var plan = await RetentionOf(h).PlanAsync(CopyDestination.Home(Destination), CancellationToken.None);
        Assert.Equal([secondCopy], plan.Decisions.Select(d => d.Copy.ImageId));
    }

    [Fact]
    public async Task Retention_keeps_older_copies_in_use_with_the_reason_on_their_jobs_and_never_the_last_launchable_copy()
    {
        await using var h = await WorkflowHarness.StartAsync("""{"destinations":[{"region":"eu-west-1"}]}""");
        var copies = new List<string>();
        for (var i = 1; i <= 4; i++)
        {
            var source = h.Simulator.SeedImage("us-east-1", new SeedImage { Name = $"golden-{i}" });
            copies.Add((await ByHand.ReplicateAsync(h, source)).Single(j => j.Key.SourceImageId == source).TargetImageId!);
        }

        // golden-1's copy is in a launch template; golden-3's was launched 20 days ago, golden-2's 3 days ago (both terminated since).
        var template = h.Simulator.CreateLaunchTemplate(Destination, copies[0]);
        h.Simulator.TerminateInstance(Destination, h.Simulator.LaunchInstance(Destination, copies[2]));
        h.Clock.Advance(TimeSpan.FromDays(17));
        var launched = h.Clock.GetUtcNow();
        h.Simulator.TerminateInstance(Destination, h.Simulator.LaunchInstance(Destination, copies[1]));
        h.Clock.Advance(TimeSpan.FromDays(3));
        h.ChangePolicy("""{"destinations":[{"region":"eu-west-1"}],"retention":{"keepLatest":1,"familyNamePrefixes":["golden-"]}}""");

        var plan = await RetentionOf(h).PlanAsync(CopyDestination.Home(Destination), CancellationToken.None);
        Assert.Equal(
            [
                (copies[3], RetentionAction.Keep, "one of the newest 1 launchable"),
                (copies[2], RetentionAction.Remove, "1 older than the newest 1"),
                (copies[1], RetentionAction.KeepInUse, $"older than the newest, but in use: last launched {launched:u}, within retention.keepIfLaunchedWithinDays (14)"),
                (copies[0], RetentionAction.KeepInUse, $"older than the newest, but in use: referenced by arn:aws:ec2:{Destination}:{h.Simulator.AccountId}:launch-template/{template}"),
            ],
            plan.Decisions.Select(d => (d.Copy.ImageId, d.Action, d.Why)));

        h.Clock.Advance(Sweep);
        Assert.Equal(1, (await h.RunPollerAsync()).RemovedByRetention);
        Assert.Equal(["available", "available", "deregistered", "available"], copies.Select(c => h.Simulator.FindImage(Destination, c)!.State));
        var jobs = await h.JobsAsync();
        foreach (var kept in new[] { copies[0], copies[1] })
        {
            Assert.Contains(jobs.Single(j => j.TargetImageId == kept).Notes, n => n.StartsWith($"{kept} kept by retention: family golden-, older than the newest, but in use: ", StringComparison.Ordinal));
        }

        // The newest copy disabled: it is kept, and the newest launchable one after it too, whatever keepLatest says.
        h.Simulator.DisableImage(Destination, copies[3]);
        plan = await RetentionOf(h).PlanAsync(CopyDestination.Home(Destination), CancellationToken.None);
        Assert.Equal((RetentionAction.Keep, "disabled, and not older than the newest 1 launchable (kept should its source be enabled again)"),
            plan.Decisions.Where(d => d.Copy.ImageId == copies[3]).Select(d => (d.Action, d.Why)).Single());
        Assert.Equal((RetentionAction.Keep, "one of the newest 1 launchable"), plan.Decisions.Where(d => d.Copy.ImageId == copies[1]).Select(d => (d.Action, d.Why)).Single());
    }

    /// <summary>Retention as `amirepl prune` runs it (the composition's, over the policy in force): plans without changing anything.</summary>
    private static CopyRetention RetentionOf(WorkflowHarness h) =>
        h.Workflows.Retention ?? throw new InvalidOperationException("the policy in force has no retention");

    private static Dictionary<string, string> Provenance(string sourceImageId, DateTimeOffset sourceCreated, string deployment) => new()
    {
        [ProvenanceTags.SourceImageId] = sourceImageId,
        [ProvenanceTags.SourceRegion] = "us-east-1",
        [ProvenanceTags.SourceCreated] = sourceCreated.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", System.Globalization.CultureInfo.InvariantCulture),
        [ProvenanceTags.Deployment] = deployment,
    };
}
