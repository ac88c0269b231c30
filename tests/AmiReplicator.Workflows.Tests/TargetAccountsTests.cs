using Amazon.EC2.Model;
using Amazon.Runtime;
using AmiReplicator.Aws.Ec2;
using AmiReplicator.Domain.Jobs;
using AmiReplicator.Ec2Simulator;
using AmiReplicator.LocalCloud;

namespace AmiReplicator.Workflows.Tests;

/// <summary>
/// Copies into target accounts: the home account's copy in the region (hop 1), shared with each target account, which copies it
/// through its spoke role (hop 2), so the copy is the account's own.
/// </summary>
public class TargetAccountsTests
{
    private const string First = "111111111111";
    private const string Second = "222222222222";
    private const string WithoutRole = "333333333333";

    private static string Policy(params string[] accounts) => $$"""
        {"destinations":[{"region":"eu-west-1"}],
         "targets":[{"accounts":[{{string.Join(',', accounts.Select(a => $"\"{a}\""))}}],"regions":["eu-west-1"],"maxInFlight":1}]}
        """;

    internal static void SpokeRoles(WorkflowHarness h, params string[] accounts)
    {
        foreach (var account in accounts)
        {
            // What the spoke stack deploys: the role, and the rule forwarding the account's AMIs' ends to the home account.
            h.Simulator.Account(account).CreateRole("AmiReplicatorSpoke", new RoleTrust(h.Simulator.AccountId));
            h.Simulator.Account(account).ForwardCopyEventsTo(h.Simulator.AccountId);
        }
    }

    /// <summary>A new source AMI's event, delivered, and the poller run until every job has ended: the source and its jobs.</summary>
    private static async Task<(string Source, IReadOnlyList<CopyJob> Jobs)> ReplicateOneAsync(WorkflowHarness h)
    {
        var source = h.Simulator.SeedImage("us-east-1", new SeedImage { Name = "golden-1" });
        h.Send(LocalReplication.AvailableEvent("us-east-1", source));
        await h.DeliverAsync();
        return (source, await h.RunPollerUntilDoneAsync());
    }

    [Fact]
    public async Task Each_target_account_gets_a_copy_of_its_own_made_from_the_home_accounts_copy_in_its_region()
    {
        await using var h = await WorkflowHarness.StartAsync(Policy(First, Second));
        SpokeRoles(h, First, Second);
        var source = h.Simulator.SeedImage("us-east-1", new SeedImage { Name = "golden-1", Tags = new Dictionary<string, string> { ["team"] = "platform" } });

        h.Send(LocalReplication.AvailableEvent("us-east-1", source));
        await h.DeliverAsync();
        var jobs = await h.RunPollerUntilDoneAsync();

        Assert.All(jobs, j => Assert.Equal(CopyJobState.Available, j.State));
        var home = jobs.Single(j => j.Key.DestinationAccount is null);
        foreach (var account in new[] { First, Second })
        {
            var job = jobs.Single(j => j.Key.DestinationAccount == account);
            var copy = h.Simulator.FindImage("eu-west-1", job.TargetImageId!);
            Assert.Equal((account, home.TargetImageId), (copy?.OwnerId, copy?.SourceImageId));
            Assert.Equal(source, h.Simulator.Account(account).Images("eu-west-1").Single(i => i.ImageId == job.TargetImageId).Tags["amireplicator:source-image-id"]);
        }

        // The target accounts' budget is 1 each: they copied side by side, each within its own.
        Assert.All(await h.CountersAsync(), c => Assert.Equal(0, c.InFlight));
        Assert.Equal(3, (await h.CountersAsync()).Count(c => c.Scope.SourceRegion is null));

        // Each account's copy is its own: the home copy it was made from is no longer shared with it.
        var homeCopy = h.Simulator.FindImage("eu-west-1", home.TargetImageId!)!;
        Assert.Empty(homeCopy.LaunchPermissions);
        var homeSnapshots = homeCopy.BlockDevices.Select(d => d.SnapshotId).OfType<string>().ToList();
        Assert.NotEmpty(homeSnapshots);
        Assert.All(h.Simulator.Snapshots("eu-west-1").Where(s => homeSnapshots.Contains(s.SnapshotId)), s => Assert.Empty(s.CreateVolumePermissions));
        Assert.All(jobs, j => Assert.False(j.ShareToRemove));
    }

    [Fact]
    public async Task A_target_account_without_the_spoke_role_ends_ROLE_DENIED_in_every_region_for_one_AssumeRole_and_the_others_finish()
    {
        await using var h = await WorkflowHarness.StartAsync("""
            {"destinations":[{"region":"eu-west-1"},{"region":"eu-central-1"}],
             "targets":[{"accounts":["111111111111","333333333333"],"regions":["eu-west-1","eu-central-1"]}]}
            """);
        SpokeRoles(h, First);
        var (source, jobs) = await ReplicateOneAsync(h);

        Assert.All(jobs.Where(j => j.Key.DestinationAccount != WithoutRole), j => Assert.Equal(CopyJobState.Available, j.State));
        var refused = jobs.Where(j => j.Key.DestinationAccount == WithoutRole).ToList();
        Assert.Equal(2, refused.Count);
        Assert.All(refused, j => Assert.Equal((CopyJobState.Failed, FailureCodes.RoleDenied, null), (j.State, j.FailureCode, j.ClaimedAt)));
        Assert.All(refused, j => Assert.Contains("AccessDenied", j.LastError, StringComparison.Ordinal));
        // The breaker: the account's second region ended on the first one's answer. One AssumeRole each for the two accounts.
        Assert.Equal(2, h.Simulator.CallCount(LocalReplication.Home, "sts:AssumeRole"));
        Assert.All(await h.CountersAsync(), c => Assert.Equal(0, c.InFlight));

        // Deployed now, and asked again: a job asked for after the answer asks the account again, and copies.
        SpokeRoles(h, WithoutRole);
        h.Send($$"""{"sourceRegion":"us-east-1","sourceImageId":"{{source}}","requestedBy":"alice","reason":"role deployed"}""");
        await h.DeliverAsync();
        var retried = (await h.RunPollerUntilDoneAsync()).Where(j => j.Key.DestinationAccount == WithoutRole).ToList();
        Assert.All(retried, j => Assert.Equal((CopyJobState.Available, null), (j.State, j.FailureCode)));
    }

    [Fact]
    public async Task A_region_the_account_has_not_enabled_and_a_key_it_cannot_use_end_with_their_codes_before_any_slot_is_taken()
    {
        await using var h = await WorkflowHarness.StartAsync("""
            {"destinations":[{"region":"eu-west-1"},{"region":"eu-central-1"}],
             "targets":[{"accounts":["111111111111"],"regions":["eu-west-1","eu-central-1"]},
                        {"accounts":["222222222222"],"regions":["eu-west-1"],"kmsKeys":{"eu-west-1":"alias/golden"}}]}
            """);
        SpokeRoles(h, First, Second);
        h.Simulator.Account(First).SetRegionAccess("eu-central-1", RegionAccess.NotOptedIn);
        var jobs = (await ReplicateOneAsync(h)).Jobs;

        var notEnabled = jobs.Single(j => j.Key.Destination == new CopyDestination("eu-central-1", First));
        Assert.Equal((CopyJobState.Failed, FailureCodes.RegionNotEnabled, null), (notEnabled.State, notEnabled.FailureCode, notEnabled.ClaimedAt));
        Assert.Contains("has not enabled eu-central-1", notEnabled.LastError, StringComparison.Ordinal);
        var keyRefused = jobs.Single(j => j.Key.DestinationAccount == Second);
        Assert.Equal((CopyJobState.Failed, FailureCodes.KmsDenied, null), (keyRefused.State, keyRefused.FailureCode, keyRefused.ClaimedAt));
        Assert.Contains("alias/golden", keyRefused.LastError, StringComparison.Ordinal);
        Assert.Equal(CopyJobState.Available, jobs.Single(j => j.Key.Destination == new CopyDestination("eu-west-1", First)).State);
        Assert.All(await h.CountersAsync(), c => Assert.Equal(0, c.InFlight));
    }

    [Fact]
    public async Task An_encrypted_home_copy_that_target_accounts_copy_uses_the_distribution_key_they_may_use_and_they_copy_it()
    {
        await using var h = await WorkflowHarness.StartAsync("""
            {"destinations":[{"region":"eu-west-1","encrypted":true},{"region":"eu-central-1","encrypted":true}],
             "targets":[{"accounts":["111111111111"],"regions":["eu-west-1"]}]}
            """);
        SpokeRoles(h, First);
        // What the stack makes in each region target accounts copy from: the key, its alias, a key policy admitting the accounts.
        var home = h.Simulator.Account(h.Simulator.AccountId);
        var distributionKey = home.CreateKmsKey("eu-west-1", h.Policy.DistributionKeyAlias);
        home.AllowKeyUse(distributionKey, First);
        var jobs = (await ReplicateOneAsync(h)).Jobs;

        Assert.All(jobs, j => Assert.Equal(CopyJobState.Available, j.State));
        var distributed = jobs.Single(j => j.Key.Destination == CopyDestination.Home("eu-west-1"));
        Assert.Equal(h.Policy.DistributionKeyAlias, distributed.KmsKeyId);
        Assert.All(SnapshotsOf(h, "eu-west-1", distributed.TargetImageId!), s => Assert.Equal(distributionKey, s.KmsKeyId));
        // Where no account copies, the copy is the account's own business: its default key, as before.
        Assert.Null(jobs.Single(j => j.Key.DestinationRegion == "eu-central-1").KmsKeyId);
        var target = jobs.Single(j => j.Key.DestinationAccount == First);
        Assert.All(SnapshotsOf(h, "eu-west-1", target.TargetImageId!), s => Assert.Equal(h.Simulator.Account(First).DefaultEbsKeyArn("eu-west-1"), s.KmsKeyId));
    }

    private static IEnumerable<Ec2Simulator.SnapshotInfo> SnapshotsOf(WorkflowHarness h, string region, string imageId)
    {
        var snapshots = h.Simulator.FindImage(region, imageId)!.BlockDevices.Select(d => d.SnapshotId).OfType<string>().ToList();
        Assert.NotEmpty(snapshots);
        return h.Simulator.Snapshots(region).Where(s => snapshots.Contains(s.SnapshotId));
    }

    [Fact]
    public async Task A_home_copy_the_policy_encrypts_with_the_aws_ebs_key_cannot_be_shared_and_the_target_ends_SOURCE_NOT_SHARED()
    {
        await using var h = await WorkflowHarness.StartAsync("""
            {"destinations":[{"region":"eu-west-1","encrypted":true,"kmsKeyId":"alias/aws/ebs"}],"targets":[{"accounts":["111111111111"],"regions":["eu-west-1"]}]}
            """);
        SpokeRoles(h, First);
        var jobs = (await ReplicateOneAsync(h)).Jobs;

        Assert.Equal(CopyJobState.Available, jobs.Single(j => j.Key.DestinationAccount is null).State);
        var target = jobs.Single(j => j.Key.DestinationAccount == First);
        Assert.Equal((CopyJobState.Failed, FailureCodes.SourceNotShared, null), (target.State, target.FailureCode, target.TargetImageId));
        Assert.Contains("aws/ebs", target.LastError, StringComparison.Ordinal);
        Assert.All(await h.CountersAsync(), c => Assert.Equal(0, c.InFlight));
    }

    [Fact]
    public async Task A_target_accounts_copy_is_finished_by_its_own_event_forwarded_by_the_spoke_and_another_accounts_AMIs_are_never_sources()
    {
        await using var h = await WorkflowHarness.StartAsync(Policy(First));
        SpokeRoles(h, First);
        var source = h.Simulator.SeedImage("us-east-1", new SeedImage { Name = "golden-1" });
        h.Send(LocalReplication.AvailableEvent("us-east-1", source));
        await h.DeliverAsync();
        // Only the home account's events until the target account's copy has started: from then on its own event finishes it.
        for (var minute = 0; minute < 60 && !(await h.JobsAsync()).Any(j => j.Key.DestinationAccount == First && j.State == CopyJobState.Copying); minute++)
        {
            h.Clock.Advance(TimeSpan.FromMinutes(1));
            await h.RunPollerAsync();
        }

        var copying = (await h.JobsAsync()).Single(j => j.Key.DestinationAccount == First);
        for (var minute = 0; minute < 60 && h.Simulator.FindImage("eu-west-1", copying.TargetImageId!)?.State != "available"; minute++)
        {
            h.Clock.Advance(TimeSpan.FromMinutes(1));
        }

        h.SendEc2Events();
        await h.DeliverAsync();

        var finished = (await h.JobsAsync()).Single(j => j.Key.DestinationAccount == First);
        // Finished and its share of the home copy removed, by the event alone (no poller pass since it started).
        Assert.Equal((CopyJobState.Available, false), (finished.State, finished.ShareToRemove));

        // An AMI the account makes itself, whose event its spoke forwards too, starts nothing.
        var own = h.Simulator.SeedImage("eu-west-1", new SeedImage { Name = "their-own", OwnerId = First });
        h.Send(LocalReplication.AvailableEvent("eu-west-1", own).Replace("123456789012", First, StringComparison.Ordinal));
        await h.DeliverAsync();
        Assert.Equal(2, (await h.JobsAsync()).Count);
        Assert.Empty(h.DeadLetters);
    }

    [Fact]
    public async Task A_target_accounts_job_waiting_for_its_home_copy_starts_at_the_first_pass_after_that_copys_event_whatever_second_the_passes_run_at()
    {
        await using var h = await WorkflowHarness.StartAsync(Policy(First));
        SpokeRoles(h, First);
        var source = h.Simulator.SeedImage("us-east-1", new SeedImage { Name = "golden-1" });
        h.Send(LocalReplication.AvailableEvent("us-east-1", source));
        h.SendEc2Events(); // what EC2 said so far: only the copy's end is delivered later
        await h.DeliverAsync();
        var home = (await h.JobsAsync()).Single(j => j.Key.DestinationAccount is null);
        var homeCopyEnds = h.Simulator.FindImage("eu-west-1", home.TargetImageId!)!.CompletesAt!.Value;

        // Passes from two and a half minutes on, half a minute past each minute as a schedule's may run: each sets the target
        // account's job aside until the next one (it used to be until the one after, a set-aside job being ready by whole minutes).
        h.Clock.Advance(TimeSpan.FromSeconds(150));
        await h.RunPollerAsync();
        while (h.Clock.GetUtcNow() + TimeSpan.FromMinutes(1) < homeCopyEnds)
        {
            h.Clock.Advance(TimeSpan.FromMinutes(1));
            await h.RunPollerAsync();
        }

        var lastPass = h.Clock.GetUtcNow();
        Assert.Equal(CopyJobState.Waiting, (await h.JobsAsync()).Single(j => j.Key.DestinationAccount == First).State);

        // The home account's copy ends between two passes, and its event finishes its job.
        h.Clock.SetUtcNow(homeCopyEnds);
        Assert.Equal("available", h.Simulator.FindImage("eu-west-1", home.TargetImageId!)?.State);
        h.SendEc2Events();
        await h.DeliverAsync();
        Assert.Equal(CopyJobState.Available, (await h.JobsAsync()).Single(j => j.Key.DestinationAccount is null).State);

        h.Clock.SetUtcNow(lastPass + TimeSpan.FromMinutes(1));
        await h.RunPollerAsync();
        var target = (await h.JobsAsync()).Single(j => j.Key.DestinationAccount == First);
        Assert.True(target.State == CopyJobState.Copying, $"{target.State} at {h.Clock.GetUtcNow():HH:mm:ss}, not before {target.NotBefore:HH:mm:ss}: {target.LastError}");
    }

    [Fact]
    public async Task An_account_added_to_the_targets_gets_copies_of_builds_asked_for_again_started_by_the_dispatcher_at_once()
    {
        await using var h = await WorkflowHarness.StartAsync("""{"destinations":[{"region":"eu-west-1"}]}""");
        SpokeRoles(h, First);
        var source = h.Simulator.SeedImage("us-east-1", new SeedImage { Name = "golden-1" });
        h.Send(LocalReplication.AvailableEvent("us-east-1", source));
        await h.DeliverAsync();
        var home = Assert.Single(await h.RunPollerUntilDoneAsync());

        h.ChangePolicy(Policy(First));
        h.Send($$"""{"sourceRegion":"us-east-1","sourceImageId":"{{source}}","requestedBy":"alice","reason":"new account"}""");
        await h.DeliverAsync();

        // The home account's copy is there already: the dispatcher starts the account's copy without waiting for a pass.
        var started = (await h.JobsAsync()).Single(j => j.Key.DestinationAccount == First);
        Assert.Equal(CopyJobState.Copying, started.State);
        var done = (await h.RunPollerUntilDoneAsync()).Single(j => j.Key.DestinationAccount == First);
        Assert.Equal((CopyJobState.Available, First), (done.State, h.Simulator.FindImage("eu-west-1", done.TargetImageId!)?.OwnerId));
        Assert.Equal(home.TargetImageId, h.Simulator.FindImage("eu-west-1", done.TargetImageId!)?.SourceImageId);

        // Asked again: the account's copy is there (seen with the account's credentials), nothing starts over.
        h.Send($$"""{"sourceRegion":"us-east-1","sourceImageId":"{{source}}","requestedBy":"alice"}""");
        await h.DeliverAsync();
        Assert.Equal(done.Version, (await h.JobsAsync()).Single(j => j.Key.DestinationAccount == First).Version);
    }

    [Fact]
    public async Task An_account_added_to_the_targets_is_found_missing_by_the_next_sweep_and_gets_its_copy()
    {
        await using var h = await WorkflowHarness.StartAsync("""{"destinations":[{"region":"eu-west-1"}],"sweepIntervalMinutes":30}""");
        SpokeRoles(h, First);
        var source = h.Simulator.SeedImage("us-east-1", new SeedImage { Name = "golden-1" });
        h.Send(LocalReplication.AvailableEvent("us-east-1", source));
        await h.DeliverAsync();
        Assert.Single(await h.RunPollerUntilDoneAsync());

        h.ChangePolicy("""
            {"destinations":[{"region":"eu-west-1"}],"sweepIntervalMinutes":30,"targets":[{"accounts":["111111111111"],"regions":["eu-west-1"]}]}
            """);
        h.Clock.Advance(TimeSpan.FromMinutes(30));
        await h.RunPollerAsync();
        Assert.Equal(1, await h.DeliverAsync());

        var added = (await h.RunPollerUntilDoneAsync()).Single(j => j.Key.DestinationAccount == First);
        Assert.Equal(("sweep", CopyJobState.Available, First), (added.RequestedBy, added.State, h.Simulator.FindImage("eu-west-1", added.TargetImageId!)?.OwnerId));

        // Every destination has its job now: the next sweep asks for nothing.
        h.Clock.Advance(TimeSpan.FromMinutes(30));
        await h.RunPollerAsync();
        Assert.Equal(0, await h.DeliverAsync());
    }

    [Fact]
    public async Task When_the_home_accounts_copy_fails_the_target_accounts_jobs_end_failed_naming_it()
    {
        await using var h = await WorkflowHarness.StartAsync("""
            {"destinations":[{"region":"eu-west-1"}],"retries":{"maxAttempts":1},
             "targets":[{"accounts":["111111111111"],"regions":["eu-west-1"]}]}
            """);
        SpokeRoles(h, First);
        h.Simulator.FailNextCopies("eu-west-1", 1);
        var jobs = (await ReplicateOneAsync(h)).Jobs;

        Assert.Equal(CopyJobState.Failed, jobs.Single(j => j.Key.DestinationAccount is null).State);
        var target = jobs.Single(j => j.Key.DestinationAccount == First);
        Assert.Equal((CopyJobState.Failed, null), (target.State, target.TargetImageId));
        Assert.StartsWith("the home account's copy in eu-west-1, which this account copies, ended FAILED", target.LastError, StringComparison.Ordinal);
        Assert.Equal(0, h.Simulator.CallCount(LocalReplication.Home, "sts:AssumeRole"));
    }

    [Fact]
    public async Task A_target_accounts_copy_is_made_with_its_own_key_from_a_home_copy_under_the_home_key_and_finished_with_the_spoke_roles_credentials()
    {
        var deprecateAt = new DateTimeOffset(2027, 6, 1, 0, 0, 0, TimeSpan.Zero);
        await using var h = await WorkflowHarness.StartAsync("""{"destinations":[{"region":"eu-west-1"}]}""");
        var homeKey = h.Simulator.CreateKmsKey("eu-west-1", "alias/distribution");
        h.Simulator.DefaultAccount.AllowKeyUse(homeKey, First);
        var targetKey = h.Simulator.Account(First).CreateKmsKey("eu-west-1", "alias/golden");
        h.ChangePolicy($$$"""
            {"destinations":[{"region":"eu-west-1","encrypted":true,"kmsKeyId":"{{{homeKey}}}"}],"retries":{"maxAttempts":2},
             "targets":[{"accounts":["{{{First}}}"],"regions":["eu-west-1"],"kmsKeys":{"eu-west-1":"alias/golden"}}]}
            """);
        SpokeRoles(h, First);
        var source = h.Simulator.SeedImage("us-east-1", new SeedImage
        {
            Name = "golden-1",
            DeprecationTime = deprecateAt,
        });

        h.Send(LocalReplication.AvailableEvent("us-east-1", source));
        await h.DeliverAsync();
        // The home copy has started: the next copy into the region, the account's first attempt, fails.
        h.Simulator.FailNextCopies("eu-west-1", 1);
        var jobs = await h.RunPollerUntilDoneAsync();

        var target = jobs.Single(j => j.Key.DestinationAccount == First);
        Assert.Equal((CopyJobState.Available, 2), (target.State, target.Attempt));
        var images = h.Simulator.Account(First).Images("eu-west-1").Where(i => i.OwnerId == First).ToList();
        var copy = images.Single(i => i.ImageId == target.TargetImageId);
        Assert.Equal(deprecateAt, copy.DeprecationTime);
        var snapshot = h.Simulator.Snapshots("eu-west-1").Single(s => s.SnapshotId == Assert.Single(copy.BlockDevices).SnapshotId);
        Assert.Equal((true, targetKey), (snapshot.Encrypted, snapshot.KmsKeyId));
        // The failed attempt was deregistered with its snapshots before the second one.
        var failed = images.Single(i => i.ImageId != target.TargetImageId);
        Assert.Equal("deregistered", failed.State);
        Assert.DoesNotContain(h.Simulator.Snapshots("eu-west-1"), s => failed.BlockDevices.Any(b => b.SnapshotId == s.SnapshotId) && s.State != "deleted");
    }

    [Fact]
    public async Task A_tag_taken_off_a_target_accounts_copy_while_it_copies_is_put_back_with_the_spoke_roles_credentials()
    {
        await using var h = await WorkflowHarness.StartAsync(Policy(First));
        SpokeRoles(h, First);
        // A person in the account, signing as its root.
        using var person = new Ec2Clients(h.Simulator.Endpoint, new BasicAWSCredentials(First, "secret"));
        var source = h.Simulator.SeedImage("us-east-1", new SeedImage { Name = "golden-1", Tags = new Dictionary<string, string> { ["team"] = "platform" } });

        h.Send(LocalReplication.AvailableEvent("us-east-1", source));
        await h.DeliverAsync();
        var untagged = false;
        var jobs = await h.RunPollerUntilDoneAsync(eachMinute: async () =>
        {
            if (!untagged && (await h.JobsAsync()).Single(j => j.Key.DestinationAccount == First) is { State: CopyJobState.Copying, TargetImageId: { } copying })
            {
                await person.For("eu-west-1").DeleteTagsAsync(new DeleteTagsRequest { Resources = [copying], Tags = [new Tag { Key = "team" }] });
                untagged = true;
            }
        });

        var target = jobs.Single(j => j.Key.DestinationAccount == First);
        Assert.True(untagged);
        Assert.Equal(CopyJobState.Available, target.State);
        Assert.Equal("platform", h.Simulator.Account(First).Images("eu-west-1").Single(i => i.ImageId == target.TargetImageId).Tags["team"]);
    }
}
