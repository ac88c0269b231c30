using System.Globalization;
using AmiReplicator.Domain.Jobs;
using AmiReplicator.Domain.Policy;
using AmiReplicator.Domain.Slots;

namespace AmiReplicator.Domain.Tests;

/// <summary>Targets: other accounts' regions as destinations of their own, each with its key and budget.</summary>
public class TargetPolicyTests
{
    [Fact]
    public void Each_account_and_region_of_a_target_is_a_destination_with_the_targets_key_and_budget()
    {
        var policy = ReplicationPolicy.Parse("""
            {"destinations":[{"region":"eu-west-1"},{"region":"us-east-1"}],"organizationId":"o-a1b2c3d4e5",
             "targets":[{"accounts":["111111111111","222222222222"],"regions":["eu-west-1","us-east-1"],"kmsKeys":{"us-east-1":"alias/golden"},"maxInFlight":10},
                        {"accounts":["333333333333"],"regions":["eu-west-1"],"roleName":"Distribution"}]}
            """);

        var target = policy.FindDestination(new CopyDestination("us-east-1", "222222222222"));
        Assert.Equal(("us-east-1", "222222222222", true, "alias/golden", new SlotBudget(10, 10)), (target?.Region, target?.Account, target?.Encrypt, target?.KmsKeyId, target?.Budget));
        Assert.Null(policy.FindDestination(new CopyDestination("eu-west-1", "111111111111"))?.KmsKeyId);
        Assert.Equal(new SlotBudget(50, 25), policy.BudgetFor(new CopyDestination("eu-west-1", "333333333333")));
        Assert.Equal("Distribution", policy.Targets[1].RoleName);
        Assert.Equal(Target.DefaultRoleName, policy.Targets[0].RoleName);
        Assert.Null(policy.FindDestination(new CopyDestination("us-east-1", "333333333333")));
        Assert.Equal("eu-west-1", policy.FindDestination(CopyDestination.Home("eu-west-1"))?.Region);
        Assert.Equal("o-a1b2c3d4e5", policy.OrganizationId);
    }

    [Fact]
    public void A_target_copies_unless_its_mode_is_share_and_then_each_of_its_destinations_shares_the_home_copy()
    {
        var policy = ReplicationPolicy.Parse("""
            {"destinations":[{"region":"eu-west-1"}],
             "targets":[{"accounts":["111111111111"],"regions":["eu-west-1"]},{"accounts":["222222222222"],"regions":["eu-west-1"],"mode":"copy"},
                        {"accounts":["333333333333"],"regions":["eu-west-1"],"mode":"share"}]}
            """);

        Assert.Equal([false, false, true], policy.Targets.Select(t => t.SharesHomeCopy));
        Assert.Equal([false, false, true], policy.Targets.Select(t => policy.FindDestination(new CopyDestination("eu-west-1", t.Accounts[0]))!.SharesHomeCopy));
        Assert.False(policy.FindDestination(CopyDestination.Home("eu-west-1"))!.SharesHomeCopy);
    }

    [Fact]
    public void The_latest_copy_parameter_is_kept_in_the_home_regions_and_in_the_targets_that_ask_for_it_only()
    {
        var policy = ReplicationPolicy.Parse("""
            {"destinations":[{"region":"eu-west-1"},{"region":"us-east-1"}],"retention":{"keepLatest":2,"familyTag":"family"},"latestCopyParameter":"/latest/{family}",
             "targets":[{"accounts":["111111111111"],"regions":["eu-west-1","us-east-1"],"latestCopyParameter":true},{"accounts":["222222222222"],"regions":["eu-west-1"]}]}
            """);

        Assert.True(policy.KeepsLatestCopyParameterIn(CopyDestination.Home("us-east-1")));
        Assert.True(policy.KeepsLatestCopyParameterIn(new CopyDestination("us-east-1", "111111111111")));
        Assert.False(policy.KeepsLatestCopyParameterIn(new CopyDestination("eu-west-1", "222222222222")));
        Assert.False(policy.KeepsLatestCopyParameterIn(new CopyDestination("eu-west-1", "333333333333")));
        Assert.Equal(
            [CopyDestination.Home("eu-west-1"), CopyDestination.Home("us-east-1"), new("eu-west-1", "111111111111"), new("us-east-1", "111111111111"), new("eu-west-1", "222222222222")],
            policy.AllDestinations);
    }

    [Fact]
    public void A_target_region_must_be_a_destination_whose_home_copy_the_accounts_copy()
    {
        var error = Assert.Throws<PolicyException>(() => ReplicationPolicy.Parse(
            """{"destinations":[{"region":"eu-west-1"}],"targets":[{"accounts":["111111111111"],"regions":["eu-west-1","us-west-2"]}]}"""));
        Assert.Equal(("targets[0].regions", true), (error.Field, error.Message.Contains("'us-west-2'", StringComparison.Ordinal)));
    }

    [Fact]
    public void The_home_account_as_a_target_is_refused_at_start_naming_the_field()
    {
        var policy = ReplicationPolicy.Parse("""
            {"destinations":[{"region":"eu-west-1"}],"targets":[{"accounts":["111111111111","123456789012"],"regions":["eu-west-1"]}]}
            """);

        var error = Assert.Throws<PolicyException>(() => policy.RefuseHomeAccountAsTarget("123456789012"));
        Assert.Equal("targets[0].accounts[1]", error.Field);
        policy.RefuseHomeAccountAsTarget("999999999999");
    }

    [Fact]
    public void Two_thousand_accounts_are_taken_and_one_more_is_refused()
    {
        Assert.Equal(2_000 * 2, ReplicationPolicy.Parse(WithAccounts(2_000)).Targets.Sum(t => t.Destinations().Count()));
        var error = Assert.Throws<PolicyException>(() => ReplicationPolicy.Parse(WithAccounts(2_001)));
        Assert.Equal("targets", error.Field);
        Assert.Contains("2001 accounts", error.Message, StringComparison.Ordinal);
    }

    private static string WithAccounts(int count)
    {
        var accounts = Enumerable.Range(0, count).Select(i => $"\"{(100_000_000_000L + i).ToString(CultureInfo.InvariantCulture)}\"");
        return $$"""{"destinations":[{"region":"eu-west-1"},{"region":"us-east-1"}],"targets":[{"accounts":[{{string.Join(',', accounts)}}],"regions":["eu-west-1","us-east-1"]}]}""";
    }

    [Theory]
    [InlineData("""{"destinations":[{"region":"eu-west-1"},{"region":"us-east-1"}],"targets":[{"regions":["eu-west-1"]}]}""", "targets[0].accounts")]
    [InlineData("""{"destinations":[{"region":"eu-west-1"},{"region":"us-east-1"}],"targets":[{"accounts":["1111"],"regions":["eu-west-1"]}]}""", "targets[0].accounts[0]")]
    [InlineData("""{"destinations":[{"region":"eu-west-1"}],"organizationId":"o-a1b2c3d4e5","targets":[{"organizationalUnits":["ou-bad"],"regions":["eu-west-1"]}]}""", "targets[0].organizationalUnits[0]")]
    [InlineData("""{"destinations":[{"region":"eu-west-1"}],"organizationId":"o-a1b2c3d4e5","targets":[{"organizationalUnits":["r-a1b2","r-a1b2"],"regions":["eu-west-1"]}]}""", "targets[0].organizationalUnits")]
    [InlineData("""{"destinations":[{"region":"eu-west-1"}],"targets":[{"organizationalUnits":["ou-a1b2-12345678"],"regions":["eu-west-1"]}]}""", "targets[0].organizationalUnits")]
    [InlineData("""{"destinations":[{"region":"eu-west-1"},{"region":"us-east-1"}],"targets":[{"accounts":["111111111111","111111111111"],"regions":["eu-west-1"]}]}""", "targets[0].accounts")]
    [InlineData("""{"destinations":[{"region":"eu-west-1"},{"region":"us-east-1"}],"targets":[{"accounts":["111111111111"]}]}""", "targets[0].regions")]
    [InlineData("""{"destinations":[{"region":"eu-west-1"},{"region":"us-east-1"}],"targets":[{"accounts":["111111111111"],"regions":["eu-west-9"]}]}""", "targets[0].regions[0]")]
    [InlineData("""{"destinations":[{"region":"eu-west-1"},{"region":"us-east-1"}],"targets":[{"accounts":["111111111111"],"regions":["eu-west-1","eu-west-1"]}]}""", "targets[0].regions")]
    [InlineData("""{"destinations":[{"region":"eu-west-1"},{"region":"us-east-1"}],"targets":[{"accounts":["111111111111"],"regions":["eu-west-1"],"roleName":"a role"}]}""", "targets[0].roleName")]
    [InlineData("""{"destinations":[{"region":"eu-west-1"},{"region":"us-east-1"}],"targets":[{"accounts":["111111111111"],"regions":["eu-west-1"],"kmsKeys":{"us-east-1":"alias/k"}}]}""", "targets[0].kmsKeys.us-east-1")]
    [InlineData("""{"destinations":[{"region":"eu-west-1"},{"region":"us-east-1"}],"targets":[{"accounts":["111111111111"],"regions":["eu-west-1"],"kmsKeys":{"eu-west-1":"arn:aws:kms:eu-west-1:111111111111:key/1234"}}]}""", "targets[0].kmsKeys.eu-west-1")]
    [InlineData("""{"destinations":[{"region":"eu-west-1"},{"region":"us-east-1"}],"targets":[{"accounts":["111111111111"],"regions":["eu-west-1"],"maxInFlight":0}]}""", "targets[0].maxInFlight")]
    [InlineData("""{"destinations":[{"region":"eu-west-1"},{"region":"us-east-1"}],"targets":[{"accounts":["111111111111"],"regions":["eu-west-1"]},{"accounts":["111111111111"],"regions":["us-east-1","eu-west-1"]}]}""", "targets[1].accounts")]
    [InlineData("""{"destinations":[{"region":"eu-west-1"},{"region":"us-east-1"}],"targets":[{"accounts":["111111111111"],"regions":["eu-west-1"],"account":"x"}]}""", "targets[0].account")]
    [InlineData("""{"destinations":[{"region":"eu-west-1"}],"targets":[{"accounts":["111111111111"],"regions":["eu-west-1"]}],"organizationId":"org-1"}""", "organizationId")]
    [InlineData("""{"destinations":[{"region":"eu-west-1"}],"targets":[{"accounts":["111111111111"],"regions":["eu-west-1"],"mode":"clone"}]}""", "targets[0].mode")]
    [InlineData("""{"destinations":[{"region":"eu-west-1"}],"targets":[{"accounts":["111111111111"],"regions":["eu-west-1"],"mode":"Share"}]}""", "targets[0].mode")]
    [InlineData("""{"destinations":[{"region":"eu-west-1"}],"targets":[{"accounts":["111111111111"],"regions":["eu-west-1"],"mode":"share","kmsKeys":{"eu-west-1":"alias/k"}}]}""", "targets[0].kmsKeys")]
    [InlineData("""{"destinations":[{"region":"eu-west-1"}],"retention":{"keepLatest":2,"familyTag":"family"},"targets":[{"accounts":["111111111111"],"regions":["eu-west-1"],"latestCopyParameter":true}]}""", "targets[0].latestCopyParameter")]
    [InlineData("""{"destinations":[{"region":"eu-west-1"}],"targets":[{"accounts":["111111111111"],"regions":["eu-west-1"],"latestCopyParameter":"yes"}]}""", "targets[0].latestCopyParameter")]
    public void An_invalid_target_is_refused_with_the_field_named(string json, string field)
    {
        var error = Assert.Throws<PolicyException>(() => ReplicationPolicy.Parse(json));

        Assert.Equal(field, error.Field);
        Assert.StartsWith(field + ": ", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_account_of_a_unit_is_in_the_wave_that_names_its_own_or_a_parent_OU_and_a_listed_account_by_its_id()
    {
        const string Root = "ou-a1b2-00000000", Canary = "ou-a1b2-11111111", Prod = "ou-a1b2-22222222", Web = "ou-a1b2-33333333";
        var policy = ReplicationPolicy.Parse($$$"""
            {"destinations":[{"region":"eu-west-1"}],"organizationId":"o-a1b2c3d4e5",
             "targets":[{"organizationalUnits":["{{{Root}}}"],"accounts":["444444444444"],"regions":["eu-west-1"]}],
             "rollout":{"waves":[{"organizationalUnits":["{{{Canary}}}"]},{"accounts":["444444444444"],"organizationalUnits":["{{{Prod}}}"]}]}}
            """);
        TargetAccount Found(string account, string path, params string[] units) => new(0, account, path, DateTimeOffset.UnixEpoch) { Units = units };
        policy.UseTargetList(new TargetList([
            Found("111111111111", $"{Root}/canary", Root, Canary),
            Found("222222222222", $"{Root}/prod/web", Root, Prod, Web),
            Found("333333333333", Root, Root)], []));
        var image = SelectionAndTemplateTests.Image();

        int? WaveOf(string? account) => CopyRules.NewJob(image, policy.FindDestination(new CopyDestination("eu-west-1", account))!, policy,
            new ReplicationRequest("us-east-1", image.ImageId, null, "test", null, RequestOrigin.Manual), "123456789012", SourceSharing.Read([]), [],
            DateTimeOffset.UnixEpoch).Wave;

        // Home first; the canary OU; a child of prod; listed by id; an account of the root only: the implicit last wave.
        Assert.Equal([0, 0, 1, 1, 2], new[] { WaveOf(null), WaveOf("111111111111"), WaveOf("222222222222"), WaveOf("444444444444"), WaveOf("333333333333") });
    }
}
