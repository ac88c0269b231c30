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

    private static void SpokeRoles(WorkflowHarness h, params string[] accounts)
    {
        foreach (var account in accounts)
        {
            h.Simulator.Account(account).CreateRole("AmiReplicatorSpoke", new RoleTrust(h.Simulator.AccountId));
        }
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
    }

    [Fact]
    public async Task A_target_account_without_the_spoke_role_ends_failed_with_STSs_refusal_and_the_others_finish()
    {
        await using var h = await WorkflowHarness.StartAsync(Policy(First, WithoutRole));
        SpokeRoles(h, First);
        var source = h.Simulator.SeedImage("us-east-1", new SeedImage { Name = "golden-1" });

        h.Send(LocalReplication.AvailableEvent("us-east-1", source));
        await h.DeliverAsync();
        var jobs = await h.RunPollerUntilDoneAsync();

        Assert.Equal(CopyJobState.Available, jobs.Single(j => j.Key.DestinationAccount == First).State);
        var refused = jobs.Single(j => j.Key.DestinationAccount == WithoutRole);
        Assert.Equal(CopyJobState.Failed, refused.State);
        Assert.Contains("AccessDenied", refused.LastError, StringComparison.Ordinal);
        Assert.All(await h.CountersAsync(), c => Assert.Equal(0, c.InFlight));
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
    public async Task When_the_home_accounts_copy_fails_the_target_accounts_jobs_end_failed_naming_it()
    {
        await using var h = await WorkflowHarness.StartAsync("""
            {"destinations":[{"region":"eu-west-1"}],"retries":{"maxAttempts":1},
             "targets":[{"accounts":["111111111111"],"regions":["eu-west-1"]}]}
            """);
        SpokeRoles(h, First);
        h.Simulator.FailNextCopies("eu-west-1", 1);
        var source = h.Simulator.SeedImage("us-east-1", new SeedImage { Name = "golden-1" });

        h.Send(LocalReplication.AvailableEvent("us-east-1", source));
        await h.DeliverAsync();
        var jobs = await h.RunPollerUntilDoneAsync();

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
