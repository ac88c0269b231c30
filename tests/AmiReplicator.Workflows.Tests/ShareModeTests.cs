using Amazon.EC2.Model;
using Amazon.Runtime;
using AmiReplicator.Aws.Ec2;
using AmiReplicator.Domain.Jobs;
using AmiReplicator.Ec2Simulator;
using AmiReplicator.LocalCloud;
using static AmiReplicator.Workflows.Tests.TargetAccountsTests;

namespace AmiReplicator.Workflows.Tests;

/// <summary>
/// Targets in share mode: the account is given launch permission on the home account's copy in its region (no copy of its own, no
/// slot), once a preflight found its Allowed AMIs setting admits the home account's image; otherwise it ends SHARE_NOT_ALLOWED with
/// nothing shared.
/// </summary>
public class ShareModeTests
{
    private const string First = "111111111111";
    private const string Region = "eu-west-1";

    private static readonly string SharePolicy = $$"""
        {"destinations":[{"region":"{{Region}}"}],"targets":[{"accounts":["{{First}}"],"regions":["{{Region}}"],"mode":"share","maxInFlight":1}]}
        """;

    [Fact]
    public async Task A_share_mode_target_ends_AVAILABLE_naming_the_home_copy_it_can_launch_without_a_copy_or_a_slot_and_keeps_the_share()
    {
        await using var h = await WorkflowHarness.StartAsync(SharePolicy);
        SpokeRoles(h, First);
        h.Simulator.Account(First).SetImageBlockPublicAccess(Region, true);
        var jobs = (await ReplicateOneAsync(h)).Jobs;

        var home = jobs.Single(j => j.Key.DestinationAccount is null);
        var target = jobs.Single(j => j.Key.DestinationAccount == First);
        Assert.Equal((CopyJobState.Available, home.TargetImageId, true, null), (target.State, target.TargetImageId, target.SharedHomeCopy, target.ClaimedAt));
        Assert.Contains(target.Notes, n => n.StartsWith($"shared: account {First} may launch the home account's copy {home.TargetImageId}", StringComparison.Ordinal));
        Assert.Contains(target.Notes, n => n.StartsWith($"image block public access is block-new-sharing in account {First} {Region}", StringComparison.Ordinal));
        // One CopyImage into the region, the home account's; the account made none and no slot was ever taken for it.
        Assert.Equal(1, h.Simulator.CallCount(Region, "CopyImage"));
        Assert.Equal(0, h.Simulator.Account(First).PeakPendingCopies(Region));
        Assert.All(await h.CountersAsync(), c => Assert.Equal(0, c.InFlight));

        // The account sees and launches the home account's copy, and later passes leave the share alone.
        await h.RunPollerUntilDoneAsync(maxMinutes: 5);
        h.Clock.Advance(TimeSpan.FromMinutes(30));
        await h.RunPollerAsync();
        using var person = new Ec2Clients(h.Simulator.Endpoint, new BasicAWSCredentials(First, "secret"));
        Assert.Single((await person.For(Region).DescribeImagesAsync(new DescribeImagesRequest { ImageIds = [home.TargetImageId!] })).Images);
        h.Simulator.Account(First).LaunchInstance(Region, home.TargetImageId!);
        Assert.Contains(h.Simulator.FindImage(Region, home.TargetImageId!)!.LaunchPermissions, p => p.UserId == First);
        Assert.False((await h.JobsAsync()).Single(j => j.Key.DestinationAccount == First).NeedsCleanUp);
    }

    [Fact]
    public async Task Allowed_AMIs_enabled_without_the_home_account_ends_SHARE_NOT_ALLOWED_naming_the_setting_with_nothing_shared_until_it_admits_the_home_account()
    {
        await using var h = await WorkflowHarness.StartAsync(SharePolicy);
        SpokeRoles(h, First);
        var account = h.Simulator.Account(First);
        account.SetAllowedImages(Region, "enabled", [new AllowedImagesCriterion(["amazon"])]);
        var (source, jobs) = await ReplicateOneAsync(h);

        var home = jobs.Single(j => j.Key.DestinationAccount is null);
        var refused = jobs.Single(j => j.Key.DestinationAccount == First);
        Assert.Equal((CopyJobState.Failed, FailureCodes.ShareNotAllowed, null), (refused.State, refused.FailureCode, refused.TargetImageId));
        Assert.StartsWith($"Allowed AMIs is enabled in {First} {Region} and its ImageProviders do not include the home account {h.Simulator.AccountId}: add it",
            refused.LastError, StringComparison.Ordinal);
        Assert.Empty(h.Simulator.FindImage(Region, home.TargetImageId!)!.LaunchPermissions);
        Assert.Equal(0, h.Simulator.CallCount(Region, "ModifyImageAttribute"));
        Assert.Equal("AuthFailure", Assert.Throws<Ec2RefusedException>(() => account.LaunchInstance(Region, home.TargetImageId!)).Code);

        // The account admits the home account; asked again, the share is made at once and the account launches the copy.
        h.Clock.Advance(TimeSpan.FromMinutes(2));
        account.SetAllowedImages(Region, "enabled", [new AllowedImagesCriterion(["amazon", h.Simulator.AccountId])]);
        h.Send($$"""{"sourceRegion":"us-east-1","sourceImageId":"{{source}}","requestedBy":"alice","reason":"home account allowed"}""");
        await h.DeliverAsync();
        var shared = (await h.RunPollerUntilDoneAsync()).Single(j => j.Key.DestinationAccount == First);
        Assert.Equal((CopyJobState.Available, null, home.TargetImageId), (shared.State, shared.FailureCode, shared.TargetImageId));
        account.LaunchInstance(Region, home.TargetImageId!);
    }

    [Theory]
    [InlineData("audit-mode", false)]
    [InlineData("enabled", true)]
    [InlineData("disabled", false)]
    public async Task A_share_mode_target_whose_Allowed_AMIs_admit_the_home_account_or_restrict_nothing_ends_AVAILABLE(string state, bool homeAccountAllowed)
    {
        await using var h = await WorkflowHarness.StartAsync(SharePolicy);
        SpokeRoles(h, First);
        h.Simulator.Account(First).SetAllowedImages(Region, state,
            [new AllowedImagesCriterion(homeAccountAllowed ? ["amazon", h.Simulator.AccountId] : ["amazon"])]);
        var target = (await ReplicateOneAsync(h)).Jobs.Single(j => j.Key.DestinationAccount == First);

        Assert.Equal((CopyJobState.Available, true), (target.State, target.SharedHomeCopy));
        h.Simulator.Account(First).LaunchInstance(Region, target.TargetImageId!);
    }

    [Fact]
    public async Task An_encrypted_home_copy_is_shared_only_with_an_account_its_key_admits_and_otherwise_the_target_ends_KMS_DENIED_with_nothing_shared()
    {
        await using var h = await WorkflowHarness.StartAsync("""{"destinations":[{"region":"eu-west-1"}]}""");
        var homeKey = h.Simulator.CreateKmsKey(Region, "alias/golden");
        h.ChangePolicy($$"""
            {"destinations":[{"region":"{{Region}}","encrypted":true,"kmsKeyId":"{{homeKey}}"}],
             "targets":[{"accounts":["{{First}}","222222222222"],"regions":["{{Region}}"],"mode":"share"}]}
            """);
        h.Simulator.DefaultAccount.AllowKeyUse(homeKey, First);
        SpokeRoles(h, First, "222222222222");
        var jobs = (await ReplicateOneAsync(h)).Jobs;

        var home = jobs.Single(j => j.Key.DestinationAccount is null);
        Assert.Equal(CopyJobState.Available, jobs.Single(j => j.Key.DestinationAccount == First).State);
        var refused = jobs.Single(j => j.Key.DestinationAccount == "222222222222");
        Assert.Equal((CopyJobState.Failed, FailureCodes.KmsDenied), (refused.State, refused.FailureCode));
        Assert.Contains(homeKey, refused.LastError, StringComparison.Ordinal);
        Assert.Equal([First], h.Simulator.FindImage(Region, home.TargetImageId!)!.LaunchPermissions.Select(p => p.UserId));
    }
}
