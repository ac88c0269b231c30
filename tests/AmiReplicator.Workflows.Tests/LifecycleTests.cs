using AmiReplicator.Domain.Jobs;
using AmiReplicator.Ec2Simulator;

namespace AmiReplicator.Workflows.Tests;

/// <summary>Copies follow their source's lifecycle after they exist: deprecation, deregistration protection, disabling, deregistering.</summary>
public class LifecycleTests
{
    private static readonly TimeSpan Sweep = TimeSpan.FromMinutes(60);

    private static async Task<CopyJob> ReplicateAsync(WorkflowHarness h, string sourceId)
    {
        h.Send($$"""{"sourceRegion":"us-east-1","sourceImageId":"{{sourceId}}","requestedBy":"test"}""");
        await h.DeliverAsync();
        return (await h.RunPollerUntilDoneAsync()).Single(j => j.Key.SourceImageId == sourceId);
    }

    /// <summary>Lets a sweep interval pass and runs the poller once: the sweep of the source region follows its copies.</summary>
    private static async Task SweepAsync(WorkflowHarness h)
    {
        h.Clock.Advance(Sweep);
        var report = await h.RunPollerAsync();
        Assert.Empty(report.Errors);
    }

    private static ImageInfo Copy(WorkflowHarness h, CopyJob job) => h.Simulator.FindImage(job.Key.DestinationRegion, job.TargetImageId!)!;

    [Fact]
    public async Task Deprecation_and_deregistration_protection_are_carried_and_later_changes_to_them_followed()
    {
        await using var h = await WorkflowHarness.StartAsync("""{"destinations":[{"region":"eu-west-1"}]}""");
        var deprecateAt = h.Clock.GetUtcNow().AddDays(30);
        var source = h.Simulator.SeedImage("us-east-1", new SeedImage { Name = "golden-1", DeprecationTime = deprecateAt });
        h.Simulator.ProtectImage("us-east-1", source, withCooldown: true);

        var job = await ReplicateAsync(h, source);

        Assert.Equal(CopyJobState.Available, job.State);
        Assert.Equal((deprecateAt, "enabled-with-cooldown"), (Copy(h, job).DeprecationTime, Copy(h, job).DeregistrationProtection));

        // The owner moves the deprecation and takes the protection off: the next sweep carries both over.
        var later = deprecateAt.AddDays(60);
        h.Simulator.SetDeprecation("us-east-1", source, later);
        h.Simulator.ProtectImage("us-east-1", source, withCooldown: false);
        await SweepAsync(h);
        Assert.Equal((later, "enabled-without-cooldown"), (Copy(h, job).DeprecationTime, Copy(h, job).DeregistrationProtection));

        h.Simulator.SetDeprecation("us-east-1", source, null);
        await h.Ec2("us-east-1").DisableImageDeregistrationProtectionAsync(new() { ImageId = source });
        await SweepAsync(h);
        Assert.Equal((null, "disabled"), (Copy(h, job).DeprecationTime, Copy(h, job).DeregistrationProtection));

        var recorded = Assert.Single(await h.JobsAsync());
        Assert.Equal((null, Domain.Images.DeregistrationProtection.Disabled), (recorded.SourceDeprecationTime, recorded.SourceDeregistrationProtection));
        Assert.Contains($"deprecation follows the source: {later:u}", recorded.Notes);
        Assert.Contains("deprecation follows the source: withdrawn", recorded.Notes);
        Assert.Contains("deregistration protection follows the source: disabled", recorded.Notes);

        // Nothing changed since: a sweep writes nothing and calls nothing.
        var calls = h.Simulator.CallCount("eu-west-1", "EnableImageDeprecation");
        await SweepAsync(h);
        Assert.Equal(recorded.Version, Assert.Single(await h.JobsAsync()).Version);
        Assert.Equal(calls, h.Simulator.CallCount("eu-west-1", "EnableImageDeprecation"));
    }

    [Fact]
    public async Task Tags_and_launch_permissions_the_source_gains_or_loses_reach_its_copies_in_one_sweep_as_far_as_the_policy_copies_them()
    {
        await using var h = await WorkflowHarness.StartAsync("""
            {"destinations":[{"region":"eu-west-1"},{"region":"eu-central-1"}],"tags":{"copied-by":"ami-replicator"},"shareSnapshots":true}
            """);
        var source = h.Simulator.SeedImage("us-east-1", new SeedImage
        {
            Name = "golden-shared",
            Tags = new Dictionary<string, string> { ["team"] = "platform", ["stage"] = "beta" },
            Volumes = [new SeedVolume("/dev/xvda"), new SeedVolume("/dev/xvdb", 20)],
            LaunchPermissions = [LaunchPermissionEntry.ForAccount("111122223333")],
        });
        var jobs = await ByHand.ReplicateAsync(h, source);
        Assert.All(jobs, j => Assert.Equal(CopyJobState.Available, j.State));
        var first = jobs.Single(j => j.Key.DestinationRegion == "eu-west-1");
        // A tag a person puts on a copy is theirs: following the source leaves it.
        await h.Ec2("eu-west-1").CreateTagsAsync(new() { Resources = [first.TargetImageId!], Tags = [new("ticket", "OPS-1")] });

        // The owner retags and reshares the source: one tag changed, one added, one removed; one account swapped, and made public.
        var ec2 = h.Ec2("us-east-1");
        await ec2.CreateTagsAsync(new() { Resources = [source], Tags = [new("stage", "prod"), new("owner", "alice")] });
        await ec2.DeleteTagsAsync(new() { Resources = [source], Tags = [new("team")] });
        await ec2.ModifyImageAttributeAsync(new()
        {
            ImageId = source,
            LaunchPermission = new() { Add = [new() { UserId = "444455556666" }, new() { Group = "all" }], Remove = [new() { UserId = "111122223333" }] },
        });
        await SweepAsync(h);

        foreach (var job in await h.JobsAsync())
        {
            var copy = Copy(h, job);
            var copySnapshots = copy.BlockDevices.Select(d => d.SnapshotId).ToHashSet();
            var snapshots = h.Simulator.Snapshots(job.Key.DestinationRegion).Where(s => copySnapshots.Contains(s.SnapshotId)).ToList();
            Assert.Equal(2, snapshots.Count);
            foreach (var tags in snapshots.Select(s => s.Tags).Append(copy.Tags))
            {
                Assert.Equal(("prod", "alice", "ami-replicator"), (tags["stage"], tags["owner"], tags["copied-by"]));
                Assert.False(tags.ContainsKey("team"));
                Assert.Equal((source, "us-east-1"), (tags[ProvenanceTags.SourceImageId], tags[ProvenanceTags.SourceRegion]));
            }

            // The public permission is not copied (copyPublicLaunchPermission is off); the snapshots follow the accounts.
            Assert.Equal([LaunchPermissionEntry.ForAccount("444455556666")], copy.LaunchPermissions);
            Assert.All(snapshots, s => Assert.Equal([LaunchPermissionEntry.ForAccount("444455556666")], s.CreateVolumePermissions));
            Assert.Contains("tags follow the source: put on owner, stage; taken off team", job.Notes);
            Assert.Contains("launch permissions follow the source: added 444455556666, all; removed 111122223333", job.Notes);
            Assert.Contains("the source is public; its copy is not (copyPublicLaunchPermission is off)", job.Notes);
        }

        Assert.Equal("OPS-1", Copy(h, first).Tags["ticket"]);

        // Nothing changed since: the next sweep changes nothing on the copies and writes no job.
        var versions = (await h.JobsAsync()).Select(j => j.Version).ToList();
        string[] changes = ["CreateTags", "DeleteTags", "ModifyImageAttribute", "ModifySnapshotAttribute"];
        var calls = changes.Select(a => h.Simulator.CallCount("eu-west-1", a) + h.Simulator.CallCount("eu-central-1", a)).ToList();
        await SweepAsync(h);
        Assert.Equal(versions, (await h.JobsAsync()).Select(j => j.Version));
        Assert.Equal(calls, changes.Select(a => h.Simulator.CallCount("eu-west-1", a) + h.Simulator.CallCount("eu-central-1", a)));
    }

    [Fact]
    public async Task Copies_are_deprecated_N_days_after_they_were_made_unless_the_source_is_deprecated_sooner()
    {
        await using var h = await WorkflowHarness.StartAsync("""
            {"destinations":[{"region":"eu-west-1"}],"lifecycle":{"deprecateAfterDays":90}}
            """);
        var plain = h.Simulator.SeedImage("us-east-1", new SeedImage { Name = "golden-plain" });
        var soon = h.Clock.GetUtcNow().AddDays(7);
        var early = h.Simulator.SeedImage("us-east-1", new SeedImage { Name = "golden-early", DeprecationTime = soon });

        var plainJob = await ReplicateAsync(h, plain);
        var earlyJob = await ReplicateAsync(h, early);

        var plainCopy = Copy(h, plainJob);
        Assert.NotNull(plainCopy.DeprecationTime);
        Assert.InRange(plainCopy.DeprecationTime!.Value - plainCopy.CreationDate, TimeSpan.FromDays(90) - TimeSpan.FromMinutes(1), TimeSpan.FromDays(90) + TimeSpan.FromMinutes(1));
        Assert.Equal(soon, Copy(h, earlyJob).DeprecationTime);

        // The source's deprecation withdrawn: its copy keeps the policy's own.
        h.Simulator.SetDeprecation("us-east-1", early, null);
        await SweepAsync(h);
        var earlyCopy = Copy(h, earlyJob);
        Assert.InRange(earlyCopy.DeprecationTime!.Value - earlyCopy.CreationDate, TimeSpan.FromDays(90) - TimeSpan.FromMinutes(1), TimeSpan.FromDays(90) + TimeSpan.FromMinutes(1));
    }

    [Fact]
    public async Task Without_copyDeprecation_a_deprecation_a_person_set_on_a_copy_stays_when_the_source_withdraws_its_own()
    {
        await using var h = await WorkflowHarness.StartAsync("""{"destinations":[{"region":"eu-west-1"}],"lifecycle":{"copyDeprecation":false}}""");
        var source = h.Simulator.SeedImage("us-east-1", new SeedImage { Name = "golden-1", DeprecationTime = h.Clock.GetUtcNow().AddDays(30) });
        var job = await ReplicateAsync(h, source);
        Assert.Null(Copy(h, job).DeprecationTime);

        var byHand = h.Clock.GetUtcNow().AddDays(10);
        h.Simulator.SetDeprecation("eu-west-1", job.TargetImageId!, byHand);
        h.Simulator.SetDeprecation("us-east-1", source, null);
        await SweepAsync(h);

        Assert.Equal(byHand, Copy(h, job).DeprecationTime);
    }

    [Fact]
    public async Task Without_the_opt_in_a_disabled_or_deregistered_source_leaves_its_copies_as_they_are()
    {
        await using var h = await WorkflowHarness.StartAsync("""{"destinations":[{"region":"eu-west-1"}]}""");
        var disabled = h.Simulator.SeedImage("us-east-1", new SeedImage { Name = "golden-disabled" });
        var deregistered = h.Simulator.SeedImage("us-east-1", new SeedImage { Name = "golden-deregistered" });
        var jobs = new[] { await ReplicateAsync(h, disabled), await ReplicateAsync(h, deregistered) };

        h.Simulator.DisableImage("us-east-1", disabled);
        h.Simulator.DeregisterImage("us-east-1", deregistered);
        await SweepAsync(h);

        Assert.All(jobs, j => Assert.Equal("available", Copy(h, j).State));
        Assert.Equal(0, h.Simulator.CallCount("eu-west-1", "DisableImage") + h.Simulator.CallCount("eu-west-1", "DeregisterImage"));
    }

    [Fact]
    public async Task With_the_opt_in_copies_of_a_disabled_source_are_disabled_and_of_a_deregistered_one_deregistered_with_their_snapshots_the_jobs_saying_why()
    {
        await using var h = await WorkflowHarness.StartAsync("""
            {"destinations":[{"region":"eu-west-1"},{"region":"eu-central-1"}],
             "lifecycle":{"disableWithSource":true,"deregisterWithSource":true}}
            """);
        var disabled = h.Simulator.SeedImage("us-east-1", new SeedImage { Name = "golden-disabled", LaunchPermissions = [LaunchPermissionEntry.ForAccount("111122223333")] });
        var deregistered = h.Simulator.SeedImage("us-east-1", new SeedImage { Name = "golden-deregistered" });
        var protectedOne = h.Simulator.SeedImage("us-east-1", new SeedImage { Name = "golden-protected" });
        var kept = h.Simulator.SeedImage("us-east-1", new SeedImage { Name = "golden-kept" });
        foreach (var id in new[] { disabled, deregistered, protectedOne, kept })
        {
            h.Send($$"""{"sourceRegion":"us-east-1","sourceImageId":"{{id}}","requestedBy":"test"}""");
        }

        await h.DeliverAsync();
        var jobs = await h.RunPollerUntilDoneAsync();
        Assert.Equal(8, jobs.Count);
        var snapshotsOfDeregistered = jobs.Where(j => j.Key.SourceImageId == deregistered)
            .SelectMany(j => Copy(h, j).BlockDevices.Select(d => (j.Key.DestinationRegion, d.SnapshotId!))).ToList();

        h.Simulator.DisableImage("us-east-1", disabled);
        h.Simulator.DeregisterImage("us-east-1", deregistered);
        // A person protects one copy of a source that then goes: that copy stays.
        var guarded = jobs.Single(j => j.Key.SourceImageId == protectedOne && j.Key.DestinationRegion == "eu-west-1");
        h.Simulator.ProtectImage("eu-west-1", guarded.TargetImageId!);
        h.Simulator.DeregisterImage("us-east-1", protectedOne);
        await SweepAsync(h);

        var after = await h.JobsAsync();
        foreach (var job in after)
        {
            var copy = h.Simulator.FindImage(job.Key.DestinationRegion, job.TargetImageId!)!;
            var expected = job.Key.SourceImageId == disabled ? "disabled"
                : job.Key.SourceImageId == deregistered || (job.Key.SourceImageId == protectedOne && job.Key != guarded.Key) ? "deregistered"
                : "available";
            Assert.Equal((job.Key.ToString(), expected), (job.Key.ToString(), copy.State));
        }

        Assert.All(after.Where(j => j.Key.SourceImageId == disabled), j =>
        {
            Assert.Contains(j.Notes, n => n.StartsWith("its source was disabled, so the copy is disabled", StringComparison.Ordinal));
            Assert.Empty(Copy(h, j).LaunchPermissions);
        });
        Assert.All(after.Where(j => j.Key.SourceImageId == deregistered), j =>
            Assert.Contains(j.Notes, n => n.StartsWith("its source was deregistered, so the copy is deregistered with its snapshots", StringComparison.Ordinal)));
        Assert.All(snapshotsOfDeregistered, s => Assert.Equal("deleted", h.Simulator.Snapshots(s.DestinationRegion).Single(x => x.SnapshotId == s.Item2).State));
        Assert.Contains("its source was deregistered; the copy is kept, as it has deregistration protection",
            after.Single(j => j.Key == guarded.Key).Notes);
        Assert.All(after, j => Assert.Equal(CopyJobState.Available, j.State));
        Assert.All(after.Where(j => j.Key.SourceImageId == kept), j => Assert.Empty(j.Notes));

        // The next sweep repeats nothing: the protected copy is noted once.
        await SweepAsync(h);
        Assert.Single((await h.JobsAsync()).Single(j => j.Key == guarded.Key).Notes, n => n.Contains("kept", StringComparison.Ordinal));
    }
}
