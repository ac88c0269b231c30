using Amazon.EC2.Model;
using Amazon.Runtime;
using AmiReplicator.Aws.Ec2;
using AmiReplicator.Domain.Jobs;
using AmiReplicator.Ec2Simulator;
using AmiReplicator.LocalCloud;

namespace AmiReplicator.Workflows.Tests;

/// <summary>
/// Target accounts' copies kept as the home account's are, through each account's spoke role: they follow their sources' lifecycle
/// (by the sweep and by a withdrawn source's events), retention keeps each family's newest and whatever is in use in that account, the
/// latest-copy parameter is kept in the accounts that ask for it, and nothing the replicator did not tag is touched (the harness's
/// permission check refuses a spoke call on an untagged image, and fails the test).
/// </summary>
public class TargetsKeptLikeHomeTests
{
    private const string First = TargetAccountsTests.First;
    private const string Second = TargetAccountsTests.Second;
    private const string Parameter = "/amirepl/latest/golden-";

    /// <summary>Builds of the family, each replicated to its end, oldest first: their jobs.</summary>
    private static async Task<List<IReadOnlyList<CopyJob>>> ReplicateBuildsAsync(WorkflowHarness h, int count, Dictionary<string, string>? tags = null)
    {
        var builds = new List<IReadOnlyList<CopyJob>>();
        for (var i = 1; i <= count; i++)
        {
            h.Clock.Advance(TimeSpan.FromMinutes(10));
            var source = h.Simulator.SeedImage("us-east-1", new SeedImage { Name = $"golden-{i}", Tags = tags ?? [] });
            h.Send(LocalReplication.AvailableEvent("us-east-1", source, $"e-{i}"));
            await h.DeliverAsync();
            builds.Add([.. (await h.RunPollerUntilDoneAsync()).Where(j => j.Key.SourceImageId == source)]);
        }

        Assert.All(builds.SelectMany(b => b), j => Assert.Equal(CopyJobState.Available, j.State));
        return builds;
    }

    private static Ec2Simulator.ImageInfo InAccount(WorkflowHarness h, CopyJob job) =>
        h.Simulator.Account(job.Key.DestinationAccount ?? h.Simulator.AccountId).Images(job.Key.DestinationRegion).Single(i => i.ImageId == job.TargetImageId);

    [Fact]
    public async Task A_sources_deprecation_protection_tags_disabling_and_deregistration_are_followed_in_each_target_account()
    {
        await using var h = await WorkflowHarness.StartAsync("""
            {"destinations":[{"region":"eu-west-1"}],"sweepIntervalMinutes":60,
             "lifecycle":{"disableWithSource":true,"deregisterWithSource":true},
             "targets":[{"accounts":["111111111111","222222222222"],"regions":["eu-west-1"]}]}
            """);
        TargetAccountsTests.SpokeRoles(h, First, Second);
        var jobs = (await ReplicateBuildsAsync(h, 1, new Dictionary<string, string> { ["team"] = "platform" })).Single();
        var source = jobs[0].Key.SourceImageId;
        var targets = jobs.Where(j => j.Key.DestinationAccount is not null).ToList();
        Assert.Equal(2, targets.Count);
        Assert.All(targets, j => Assert.Equal("platform", InAccount(h, j).Tags["team"]));

        // Deprecated, protected and untagged by its owner: the next sweep carries each to the accounts' copies.
        var deprecateAt = new DateTimeOffset(2027, 6, 1, 0, 0, 0, TimeSpan.Zero);
        h.Simulator.SetDeprecation("us-east-1", source, deprecateAt);
        h.Simulator.ProtectImage("us-east-1", source);
        await h.Ec2("us-east-1").DeleteTagsAsync(new DeleteTagsRequest { Resources = [source], Tags = [new Tag { Key = "team" }] });
        h.Clock.Advance(TimeSpan.FromMinutes(60));
        Assert.Empty((await h.RunPollerAsync()).Errors);
        Assert.All(targets, j =>
        {
            var copy = InAccount(h, j);
            Assert.Equal((deprecateAt, "enabled-without-cooldown"), (copy.DeprecationTime, copy.DeregistrationProtection));
            Assert.False(copy.Tags.ContainsKey("team"));
        });

        // Withdrawn again: the deprecation and the protection the replicator put on are taken off.
        h.Simulator.SetDeprecation("us-east-1", source, null);
        await h.Ec2("us-east-1").DisableImageDeregistrationProtectionAsync(new DisableImageDeregistrationProtectionRequest { ImageId = source });
        h.Clock.Advance(TimeSpan.FromMinutes(60));
        Assert.Empty((await h.RunPollerAsync()).Errors);
        Assert.All(targets, j => Assert.Equal((null, "disabled"), (InAccount(h, j).DeprecationTime, InAccount(h, j).DeregistrationProtection)));

        // Disabled, then enabled again: its own events reach the dispatcher, which has the accounts' copies follow at once.
        h.Simulator.DisableImage("us-east-1", source);
        h.SendEc2Events();
        await h.DeliverAsync();
        Assert.All(targets, j => Assert.Equal("disabled", InAccount(h, j).State));
        h.Simulator.EnableImage("us-east-1", source);
        h.SendEc2Events();
        await h.DeliverAsync();
        Assert.All(targets, j => Assert.Equal("available", InAccount(h, j).State));

        // Deregistered, its event lost: the sweep deregisters the accounts' copies with their snapshots, and each job says why.
        h.Simulator.DeregisterImage("us-east-1", source);
        h.Clock.Advance(TimeSpan.FromMinutes(60));
        Assert.Empty((await h.RunPollerAsync()).Errors);
        Assert.All(targets, j => Assert.Equal("deregistered", InAccount(h, j).State));
        Assert.All((await h.JobsAsync()).Where(j => j.Key.DestinationAccount is not null),
            j => Assert.Contains("its source was deregistered, so the copy is deregistered with its snapshots (lifecycle.deregisterWithSource)", j.Notes));
    }

    [Fact]
    public async Task Retention_in_a_target_account_keeps_the_newest_what_is_in_use_there_and_the_last_launchable_copy_and_never_an_image_it_did_not_make()
    {
        await using var h = await WorkflowHarness.StartAsync("""
            {"destinations":[{"region":"eu-west-1"}],"sweepIntervalMinutes":240,
             "retention":{"keepLatest":1,"familyNamePrefixes":["golden-"],"keepIfLaunchedWithinDays":14},
             "targets":[{"accounts":["111111111111"],"regions":["eu-west-1"]}]}
            """);
        TargetAccountsTests.SpokeRoles(h, First);
        // Made by a person in the account, older than every build and in the family by name: not the replicator's.
        var theirs = h.Simulator.SeedImage("eu-west-1", new SeedImage { Name = "golden-0", OwnerId = First, CreationDate = h.Clock.GetUtcNow().AddDays(-30) });
        var builds = (await ReplicateBuildsAsync(h, 4)).Select(b => b.Single(j => j.Key.DestinationAccount == First)).ToList();

        // In the account: an instance runs the oldest copy, and a person disabled the newest.
        h.Simulator.Account(First).LaunchInstance("eu-west-1", builds[0].TargetImageId!);
        using var person = new Ec2Clients(h.Simulator.Endpoint, new BasicAWSCredentials(First, "secret"));
        await person.For("eu-west-1").DisableImageAsync(new DisableImageRequest { ImageId = builds[3].TargetImageId });
        Assert.All(builds, b => Assert.NotEqual("deregistered", InAccount(h, b).State));
        h.Clock.Advance(TimeSpan.FromMinutes(240));
        Assert.Empty((await h.RunPollerAsync()).Errors);

        Assert.Equal(["available", "deregistered", "available", "disabled"], builds.Select(b => InAccount(h, b).State));
        Assert.Equal("available", h.Simulator.Account(First).Images("eu-west-1").Single(i => i.ImageId == theirs).State);
        var jobs = (await h.JobsAsync()).Where(j => j.Key.DestinationAccount == First).ToDictionary(j => j.TargetImageId!);
        Assert.Contains(jobs[builds[0].TargetImageId!].Notes, n => n.Contains("kept by retention", StringComparison.Ordinal) && n.Contains("in use", StringComparison.Ordinal));
        Assert.Contains(jobs[builds[1].TargetImageId!].Notes, n => n.StartsWith($"{builds[1].TargetImageId} removed by retention with its snapshots", StringComparison.Ordinal));
        var removedSnapshots = InAccount(h, builds[1]).BlockDevices.Select(d => d.SnapshotId).ToList();
        Assert.All(h.Simulator.Snapshots("eu-west-1").Where(s => removedSnapshots.Contains(s.SnapshotId)), s => Assert.Equal("deleted", s.State));
    }

    [Fact]
    public async Task The_latest_copy_parameter_is_written_in_a_target_account_that_asks_for_it_and_not_in_one_that_does_not()
    {
        await using var h = await WorkflowHarness.StartAsync("""
            {"destinations":[{"region":"eu-west-1"}],"retention":{"keepLatest":3,"familyNamePrefixes":["golden-"]},"latestCopyParameter":"/amirepl/latest/{family}",
             "targets":[{"accounts":["111111111111"],"regions":["eu-west-1"],"latestCopyParameter":true},
                        {"accounts":["222222222222"],"regions":["eu-west-1"]}]}
            """);
        TargetAccountsTests.SpokeRoles(h, First, Second);
        var builds = await ReplicateBuildsAsync(h, 2);
        h.Clock.Advance(TimeSpan.FromMinutes(1));

        var newest = builds[1];
        Assert.Equal(newest.Single(j => j.Key.DestinationAccount == First).TargetImageId, h.Simulator.Account(First).FindParameter("eu-west-1", Parameter)?.Value);
        Assert.Equal(newest.Single(j => j.Key.DestinationAccount is null).TargetImageId, h.Simulator.FindParameter("eu-west-1", Parameter)?.Value);
        Assert.Null(h.Simulator.Account(Second).FindParameter("eu-west-1", Parameter));
    }

    [Fact]
    public async Task A_target_account_whose_role_is_denied_is_skipped_and_counted_and_holds_back_no_other_accounts_retention()
    {
        await using var h = await WorkflowHarness.StartAsync("""
            {"destinations":[{"region":"eu-west-1"}],"sweepIntervalMinutes":60,"retention":{"keepLatest":1,"familyNamePrefixes":["golden-"]},
             "targets":[{"accounts":["222222222222","111111111111"],"regions":["eu-west-1"]}]}
            """);
        TargetAccountsTests.SpokeRoles(h, Second, First);
        var builds = await ReplicateBuildsAsync(h, 2);

        // The second account's role now trusts someone else: once the functions' session ends, it refuses them.
        h.Simulator.Account(Second).CreateRole("AmiReplicatorSpoke", new RoleTrust("999999999999"));
        h.Clock.Advance(TimeSpan.FromMinutes(60));
        await h.RunPollerAsync();

        var older = builds[0];
        Assert.Equal("deregistered", InAccount(h, older.Single(j => j.Key.DestinationAccount == First)).State);
        Assert.Equal("deregistered", InAccount(h, older.Single(j => j.Key.DestinationAccount is null)).State);
        Assert.Equal("available", InAccount(h, older.Single(j => j.Key.DestinationAccount == Second)).State);
        var log = h.Log.ToString();
        Assert.Contains($"retention skipped in {Second}/eu-west-1", log, StringComparison.Ordinal);
        Assert.Contains("Retention skipped 1 destinations it was refused in", log, StringComparison.Ordinal);
    }
}
