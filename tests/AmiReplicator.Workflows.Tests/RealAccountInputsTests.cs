using Amazon.EC2.Model;
using AmiReplicator.Domain.Jobs;
using AmiReplicator.Ec2Simulator;
using SimStateReason = AmiReplicator.Ec2Simulator.StateReason;

namespace AmiReplicator.Workflows.Tests;

/// <summary>
/// AMIs and settings that real accounts have, and the refusals EC2 answers them with: none of them stalls a destination, fails a
/// copy that can be made, or leaves a job holding its slots. Each refusal is the simulator's, modelled as EC2 answers it.
/// </summary>
public class RealAccountInputsTests
{
    private const string OtherAccount = "999988887777";
    private const string Consumer = "111122223333";

    private static async Task RequestAsync(WorkflowHarness h, string region, string imageId, string? destination = null)
    {
        var destinations = destination is null ? "" : $$""","destinations":["{{destination}}"]""";
        h.Send($$"""{"sourceRegion":"{{region}}","sourceImageId":"{{imageId}}","requestedBy":"alice"{{destinations}}}""");
        await h.DeliverAsync();
    }

    private static async Task AssertNoSlotHeldAsync(WorkflowHarness h) =>
        Assert.All(await h.CountersAsync(), c => Assert.Equal((0, 0), (c.InFlight, c.Holders.Count)));

    [Fact]
    public async Task Finishing_steps_EC2_refuses_are_noted_on_their_jobs_and_the_destination_goes_on()
    {
        await using var h = await WorkflowHarness.StartAsync("""{"destinations":[{"region":"eu-west-1","maxInFlight":2}]}""");
        // Shared by another account: its launch permissions are the owner's to read (DescribeImageAttribute answers AuthFailure).
        var shared = h.Simulator.SeedImage("us-east-1", new SeedImage
        {
            Name = "vendor-base",
            OwnerId = OtherAccount,
            LaunchPermissions = [LaunchPermissionEntry.ForAccount(h.Simulator.AccountId)],
        });
        // Deprecated already: EnableImageDeprecation refuses a time in the past.
        var deprecated = h.Simulator.SeedImage("us-east-1", new SeedImage
        {
            Name = "golden-old",
            DeprecationTime = h.Clock.GetUtcNow().AddDays(-1),
            LaunchPermissions = [LaunchPermissionEntry.ForAccount(Consumer)],
        });
        // 48 tags and provenance fill the copy: a tag put back after a person added one is over EC2's limit of 50.
        var crowded = h.Simulator.SeedImage("us-east-1", new SeedImage
        {
            Name = "golden-tagged",
            Tags = Enumerable.Range(0, 48).ToDictionary(i => $"tag-{i:00}", i => "v"),
        });
        var plain = h.Simulator.SeedImage("us-east-1", new SeedImage { Name = "golden-plain" });

        foreach (var id in new[] { crowded, shared, deprecated, plain })
        {
            await RequestAsync(h, "us-east-1", id);
        }

        var copying = (await h.JobsAsync()).Single(j => j.Key.SourceImageId == crowded);
        var ec2 = h.Ec2("eu-west-1");
        await ec2.DeleteTagsAsync(new DeleteTagsRequest { Resources = [copying.TargetImageId!], Tags = [new Amazon.EC2.Model.Tag("tag-00")] });
        await ec2.CreateTagsAsync(new CreateTagsRequest { Resources = [copying.TargetImageId!], Tags = [new Amazon.EC2.Model.Tag("owner", "ops")] });

        var jobs = (await h.RunPollerUntilDoneAsync()).ToDictionary(j => j.Key.SourceImageId);

        Assert.All(jobs.Values, j => Assert.Equal(CopyJobState.Available, j.State));
        Assert.Contains(jobs[shared].Notes, n => n.Contains($"the source belongs to account {OtherAccount}", StringComparison.Ordinal));
        // Already deprecated: its copy is too, at the earliest time EC2 takes (never left undeprecated).
        Assert.Contains(jobs[deprecated].Notes, n => n.Contains(", the earliest EC2 takes: the deprecation time", StringComparison.Ordinal));
        Assert.InRange(h.Simulator.FindImage("eu-west-1", jobs[deprecated].TargetImageId!)!.DeprecationTime!.Value, h.Clock.GetUtcNow().AddMinutes(-10), h.Clock.GetUtcNow().AddMinutes(2));
        Assert.Contains(jobs[crowded].Notes, n => n.Contains("tags tag-00 refused: TagLimitExceeded", StringComparison.Ordinal));
        Assert.Empty(jobs[plain].Notes);
        Assert.Equal([Consumer], h.Simulator.FindImage("eu-west-1", jobs[deprecated].TargetImageId!)!.LaunchPermissions.Select(p => p.UserId));
        Assert.All(jobs.Values, j => Assert.Equal(0, j.StepFailures));
        await AssertNoSlotHeldAsync(h);
    }

    [Fact]
    public async Task A_step_that_keeps_failing_is_recorded_each_pass_and_ends_the_job_with_what_was_left_undone_while_the_others_finish()
    {
        await using var h = await WorkflowHarness.StartAsync("""{"destinations":[{"region":"eu-west-1","maxInFlight":1}]}""",
            pollerOptions: new TrackingOptions { MaxStepFailures = 3 });
        var troubled = h.Simulator.SeedImage("us-east-1", new SeedImage { Name = "golden-east", LaunchPermissions = [LaunchPermissionEntry.ForAccount(Consumer)] });
        var other = h.Simulator.SeedImage("us-west-2", new SeedImage { Name = "golden-west" });
        await RequestAsync(h, "us-east-1", troubled);
        await RequestAsync(h, "us-west-2", other);
        // Sharing the copy fails every time (the SDK's retries included) for as long as the test runs.
        h.Simulator.InjectFault("eu-west-1", "ModifyImageAttribute", 1000, ApiFault.InternalError);

        var failures = new List<int>();
        var jobs = await h.RunPollerUntilDoneAsync(eachMinute: async () =>
            failures.Add((await h.JobsAsync()).Single(j => j.Key.SourceImageId == troubled).StepFailures));

        var ended = jobs.Single(j => j.Key.SourceImageId == troubled);
        Assert.Equal(CopyJobState.Available, ended.State);
        Assert.Contains(ended.Notes, n => n.Contains("could not finish: applying launch permissions, tags and deprecation failed (sharing the copy): InternalError", StringComparison.Ordinal)
            && n.Contains("gave up after 3 passes", StringComparison.Ordinal));
        Assert.Equal([1, 2], failures.Where(f => f > 0).Distinct());
        Assert.Equal(CopyJobState.Available, jobs.Single(j => j.Key.SourceImageId == other).State);
        Assert.Contains("\"JobStepErrors\":1", h.Log.ToString(), StringComparison.Ordinal);
        await AssertNoSlotHeldAsync(h);
    }

    [Fact]
    public async Task Two_sources_with_the_same_name_get_two_copies_the_second_under_a_name_that_says_where_it_came_from()
    {
        await using var h = await WorkflowHarness.StartAsync("""{"destinations":[{"region":"eu-west-1"}]}""");
        var east = h.Simulator.SeedImage("us-east-1", new SeedImage { Name = "golden-al2023-2026.11" });
        var west = h.Simulator.SeedImage("us-west-2", new SeedImage { Name = "golden-al2023-2026.11" });
        await RequestAsync(h, "us-east-1", east);
        await RequestAsync(h, "us-west-2", west);

        var jobs = await h.RunPollerUntilDoneAsync();

        Assert.All(jobs, j => Assert.Equal(CopyJobState.Available, j.State));
        var names = h.Simulator.Images("eu-west-1").Select(i => i.Name).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(["golden-al2023-2026.11", $"golden-al2023-2026.11 (us-west-2 {west})"], names);
        var renamed = jobs.Single(j => j.Key.SourceImageId == west);
        Assert.Contains(renamed.Notes, n => n.Contains("was held by", StringComparison.Ordinal));
        await AssertNoSlotHeldAsync(h);
    }

    [Fact]
    public async Task A_source_with_more_tags_than_a_copy_may_carry_is_copied_with_provenance_first_and_a_note_naming_what_was_left_out()
    {
        await using var h = await WorkflowHarness.StartAsync("""
            {"destinations":[{"region":"eu-west-1"}],"tags":{"copied-by":"ami-replicator"},
             "templates":{"description":"{sourceDescription}"}}
            """);
        var source = h.Simulator.SeedImage("us-east-1", new SeedImage
        {
            Name = "golden-tagged",
            Description = new string('d', 300),
            Tags = Enumerable.Range(0, 60).ToDictionary(i => $"tag-{i:00}", i => "v"),
        });

        await RequestAsync(h, "us-east-1", source);
        var job = Assert.Single(await h.RunPollerUntilDoneAsync());

        Assert.Equal(CopyJobState.Available, job.State);
        var copy = h.Simulator.FindImage("eu-west-1", job.TargetImageId!)!;
        Assert.Equal(50, copy.Tags.Count);
        Assert.Equal((source, "ami-replicator"), (copy.Tags[ProvenanceTags.SourceImageId], copy.Tags["copied-by"]));
        Assert.Contains(job.Notes, n => n.EndsWith(string.Join(", ", Enumerable.Range(47, 13).Select(i => $"tag-{i:00}")), StringComparison.Ordinal));
        Assert.Equal(255, copy.Description!.Length);
    }

    [Fact]
    public async Task A_public_source_is_not_made_public_again_unless_the_policy_asks_and_only_whom_it_names_is_shared_with()
    {
        await using var h = await WorkflowHarness.StartAsync("""{"destinations":[{"region":"eu-west-1"},{"region":"eu-central-1"}]}""");
        var source = h.Simulator.SeedImage("us-east-1", new SeedImage
        {
            Name = "golden-public",
            LaunchPermissions = [LaunchPermissionEntry.Public, LaunchPermissionEntry.ForAccount(Consumer)],
        });
        await RequestAsync(h, "us-east-1", source, "eu-west-1");
        var privateCopy = Assert.Single(await h.RunPollerUntilDoneAsync());

        h.ChangePolicy("""{"destinations":[{"region":"eu-west-1"},{"region":"eu-central-1"}],"copyPublicLaunchPermission":true}""");
        await RequestAsync(h, "us-east-1", source, "eu-central-1");
        var publicCopy = (await h.RunPollerUntilDoneAsync()).Single(j => j.Key.DestinationRegion == "eu-central-1");

        var shared = h.Simulator.FindImage("eu-west-1", privateCopy.TargetImageId!)!;
        Assert.False(shared.IsPublic);
        Assert.Equal([Consumer], shared.LaunchPermissions.Select(p => p.UserId));
        Assert.Contains(privateCopy.Notes, n => n.Contains("copyPublicLaunchPermission is off", StringComparison.Ordinal));
        Assert.True(h.Simulator.FindImage("eu-central-1", publicCopy.TargetImageId!)!.IsPublic);
    }

    [Fact]
    public async Task A_copy_encrypted_with_the_AWS_managed_key_cannot_be_shared_and_says_so_once_without_a_loop()
    {
        await using var h = await WorkflowHarness.StartAsync("""{"destinations":[{"region":"eu-west-1","encrypted":true}]}""");
        var source = h.Simulator.SeedImage("us-east-1", new SeedImage { Name = "golden-1", LaunchPermissions = [LaunchPermissionEntry.ForAccount(Consumer)] });

        await RequestAsync(h, "us-east-1", source);
        var job = Assert.Single(await h.RunPollerUntilDoneAsync());

        Assert.Equal(CopyJobState.Available, job.State);
        Assert.Contains(job.Notes, n => n.Contains("AWS Managed CMK can't be shared", StringComparison.Ordinal));
        Assert.Empty(h.Simulator.FindImage("eu-west-1", job.TargetImageId!)!.LaunchPermissions);
        Assert.Equal(1, h.Simulator.CallCount("eu-west-1", "ModifyImageAttribute"));
    }

    [Fact]
    public async Task A_failed_copy_is_removed_with_its_snapshots_and_its_job_keeps_EC2s_reason()
    {
        await using var h = await WorkflowHarness.StartAsync("""{"destinations":[{"region":"eu-west-1"}],"retries":{"maxAttempts":2,"backoffSeconds":60}}""");
        var source = h.Simulator.SeedImage("us-east-1", new SeedImage { Name = "golden-1", Volumes = [new SeedVolume("/dev/xvda"), new SeedVolume("/dev/xvdb")] });
        h.Simulator.FailNextCopies("eu-west-1", 2, new SimStateReason("Client.InternalError", "snapshot copy failed"));

        await RequestAsync(h, "us-east-1", source);
        var job = Assert.Single(await h.RunPollerUntilDoneAsync());

        Assert.Equal(CopyJobState.Failed, job.State);
        Assert.Contains("snapshot copy failed (after 2 attempts)", job.LastError, StringComparison.Ordinal);
        Assert.Null(job.ImageToRemove);
        Assert.All(h.Simulator.Images("eu-west-1"), i => Assert.Equal("deregistered", i.State));
        var snapshots = h.Simulator.Snapshots("eu-west-1");
        Assert.Equal(4, snapshots.Count);
        Assert.All(snapshots, s => Assert.Equal("deleted", s.State));
        await AssertNoSlotHeldAsync(h);
    }
}
