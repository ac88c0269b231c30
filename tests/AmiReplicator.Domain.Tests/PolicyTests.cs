using AmiReplicator.Domain.Jobs;
using AmiReplicator.Domain.Policy;
using AmiReplicator.Domain.Slots;

namespace AmiReplicator.Domain.Tests;

public class PolicyTests
{
    private const string Minimal = """{"destinations":[{"region":"eu-west-1"}]}""";

    [Fact]
    public void A_minimal_policy_gets_the_seed_budgets_and_templates()
    {
        var policy = ReplicationPolicy.Parse(Minimal);

        var destination = Assert.Single(policy.Destinations);
        Assert.Equal("eu-west-1", destination.Region);
        Assert.Equal(new SlotBudget(50, 25), destination.Budget);
        Assert.False(destination.Encrypt);
        Assert.Equal(CopyTemplates.DefaultName, policy.Templates.Name);
        Assert.Equal("rate(1 minute)", policy.Schedule);
        Assert.Equal(3, policy.Retries.MaxAttempts);
    }

    [Fact]
    public void Budgets_can_be_set_per_destination_and_by_default()
    {
        var policy = ReplicationPolicy.Parse("""
            {"destinations":[{"region":"eu-west-1","maxInFlight":7,"maxInFlightPerSource":3},{"region":"eu-central-1"}],
             "budgets":{"maxInFlightPerDestination":10,"maxInFlightPerSource":4}}
            """);

        Assert.Equal(new SlotBudget(7, 3), policy.BudgetFor(CopyDestination.Home("eu-west-1")));
        Assert.Equal(new SlotBudget(10, 4), policy.BudgetFor(CopyDestination.Home("eu-central-1")));
        Assert.Equal(new SlotBudget(10, 4), policy.BudgetFor(CopyDestination.Home("ap-south-1")));
    }

    [Fact]
    public void Time_based_copies_take_a_duration_per_destination_and_a_throughput_budget_per_pair_with_EC2s_default()
    {
        var policy = ReplicationPolicy.Parse("""
            {"destinations":[{"region":"eu-west-1","snapshotCopyCompletionDurationMinutes":15,"maxSnapshotCopyMiBpsPerSource":800},
                             {"region":"eu-central-1","snapshotCopyCompletionDurationMinutes":2880},{"region":"ap-south-1"}],
             "budgets":{"maxSnapshotCopyMiBpsPerSource":1500}}
            """);

        Assert.Equal((15, 800), (policy.Destinations[0].SnapshotCopyCompletionDurationMinutes, policy.BudgetFor(CopyDestination.Home("eu-west-1")).MaxSnapshotCopyMiBpsPerSource));
        Assert.Equal((2880, 1500), (policy.Destinations[1].SnapshotCopyCompletionDurationMinutes, policy.BudgetFor(CopyDestination.Home("eu-central-1")).MaxSnapshotCopyMiBpsPerSource));
        Assert.Null(policy.Destinations[2].SnapshotCopyCompletionDurationMinutes);
        Assert.Equal(2_000, ReplicationPolicy.Parse(Minimal).BudgetFor(CopyDestination.Home("eu-west-1")).MaxSnapshotCopyMiBpsPerSource);
    }

    [Fact]
    public void A_time_based_claim_counts_each_snapshot_at_its_rate_up_to_500_MiB_per_second_and_never_more_than_the_budget()
    {
        // 8 GiB in 15 minutes: 9.1 MiB/s, counted as 10; 1,000 GiB: 1,137.8 MiB/s, counted as EC2's 500.
        Assert.Equal(10, SnapshotCopyThroughput.ClaimMiBps([8], 15, 2_000));
        Assert.Equal(510, SnapshotCopyThroughput.ClaimMiBps([8, 1_000], 15, 2_000));
        Assert.Equal(2_000, SnapshotCopyThroughput.ClaimMiBps([1_000, 1_000, 1_000, 1_000, 1_000], 15, 2_000));
        Assert.Equal(0, SnapshotCopyThroughput.ClaimMiBps([], 15, 2_000));
    }

    [Theory]
    [InlineData("""{"destinations":[]}""", "destinations")]
    [InlineData("""{"destinations":[{"region":"eu-west-1","snapshotCopyCompletionDurationMinutes":0}]}""", "destinations[0].snapshotCopyCompletionDurationMinutes")]
    [InlineData("""{"destinations":[{"region":"eu-west-1","snapshotCopyCompletionDurationMinutes":14}]}""", "destinations[0].snapshotCopyCompletionDurationMinutes")]
    [InlineData("""{"destinations":[{"region":"eu-west-1","snapshotCopyCompletionDurationMinutes":50}]}""", "destinations[0].snapshotCopyCompletionDurationMinutes")]
    [InlineData("""{"destinations":[{"region":"eu-west-1","snapshotCopyCompletionDurationMinutes":2895}]}""", "destinations[0].snapshotCopyCompletionDurationMinutes")]
    [InlineData("""{"destinations":[{"region":"eu-west-1","maxSnapshotCopyMiBpsPerSource":0}]}""", "destinations[0].maxSnapshotCopyMiBpsPerSource")]
    [InlineData("""{"destinations":[{"region":"eu-west-1"}],"budgets":{"maxSnapshotCopyMiBpsPerSource":-1}}""", "budgets.maxSnapshotCopyMiBpsPerSource")]
    [InlineData("""{}""", "destinations")]
    [InlineData("""{"destinations":[{"region":"eu-wst-1"}]}""", "destinations[0].region")]
    [InlineData("""{"destinations":[{"region":"eu-west-1"},{"region":"mars-1"}]}""", "destinations[1].region")]
    [InlineData("""{"destinations":[{"region":"eu-west-1","encrypted":false}]}""", "destinations[0].encrypted")]
    [InlineData("""{"destinations":[{"region":"eu-west-1","kmsKeyId":"alias/copies"}]}""", "destinations[0].kmsKeyId")]
    [InlineData("""{"destinations":[{"region":"eu-west-1","encrypted":true,"kmsKeyId":"arn:aws:kms:us-east-1:123456789012:key/abc"}]}""", "destinations[0].kmsKeyId")]
    [InlineData("""{"destinations":[{"region":"eu-west-1","maxInFlight":0}]}""", "destinations[0].maxInFlight")]
    [InlineData("""{"destinations":[{"region":"eu-west-1","maxInFlightPerSource":-2}]}""", "destinations[0].maxInFlightPerSource")]
    [InlineData("""{"destinations":[{"region":"eu-west-1"}],"budgets":{"maxInFlightPerDestination":0}}""", "budgets.maxInFlightPerDestination")]
    [InlineData("""{"destinations":[{"region":"eu-west-1"},{"region":"eu-west-1"}]}""", "destinations")]
    [InlineData("""{"destinations":[{"region":"eu-west-1"}],"sourceRegions":["us-east-9"]}""", "sourceRegions[0]")]
    [InlineData("""{"destinations":[{"region":"eu-west-1"}],"templates":{"name":"{sourceNmae}"}}""", "templates.name")]
    [InlineData("""{"destinations":[{"region":"eu-west-1"}],"tags":{"aws:owner":"x"}}""", "tags.aws:owner")]
    [InlineData("""{"destinations":[{"region":"eu-west-1"}],"selection":{"ownerAccounts":["12345"]}}""", "selection.ownerAccounts[0]")]
    [InlineData("""{"destinations":[{"region":"eu-west-1"}],"retries":{"maxAttempts":0}}""", "retries.maxAttempts")]
    [InlineData("""{"destinations":[{"region":"eu-west-1"}],"schedule":"every minute"}""", "schedule")]
    [InlineData("""{"destinations":[{"region":"eu-west-1","kmsKey":"x"}]}""", "destinations[0].kmsKey")]
    [InlineData("""{"destinations":[{"region":"eu-west-1","maxInFlight":"many"}]}""", "destinations[0].maxInFlight")]
    [InlineData("""{"destinations":[{"region":"eu-west-1"}],"templates":{"name":"{sourceName}:copy"}}""", "templates.name")]
    [InlineData("""{"destinations":[{"region":"eu-west-1"}],"templates":{"name":"copy of {sourceDescription}"}}""", "templates.name")]
    [InlineData("""{"destinations":[{"region":"eu-west-1"}],"templates":{"name":"ab"}}""", "templates.name")]
    [InlineData("""{"destinations":[{"region":"eu-west-1"}],"tags":{"amireplicator:source-image-id":"x"}}""", "tags.amireplicator:source-image-id")]
    [InlineData("""{"destinations":[{"region":"eu-west-1"}],"tags":{"":"x"}}""", "tags.")]
    [InlineData("""{"destinations":[{"region":"eu-west-1"}],"sweepIntervalMinutes":-1}""", "sweepIntervalMinutes")]
    [InlineData("""{"destinations":[{"region":"eu-west-1"}],"jobRetentionDays":0}""", "jobRetentionDays")]
    [InlineData("""{"destinations":[{"region":"eu-west-1"}],"jobRetentionDays":1826}""", "jobRetentionDays")]
    public void An_invalid_policy_is_refused_with_the_field_named(string json, string field)
    {
        var error = Assert.Throws<PolicyException>(() => ReplicationPolicy.Parse(json));

        Assert.Equal(field, error.Field);
        Assert.StartsWith(field + ": ", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_policys_tags_must_fit_on_a_copy_beside_provenance_within_EC2s_tag_limits()
    {
        static string WithTags(IEnumerable<string> tags) => """{"destinations":[{"region":"eu-west-1"}],"tags":{""" + string.Join(",", tags) + "}}";
        static string Field(string json) => Assert.Throws<PolicyException>(() => ReplicationPolicy.Parse(json)).Field;
        var longKey = new string('k', 129);

        Assert.Equal("tags", Field(WithTags(Enumerable.Range(0, 49).Select(i => $"\"k{i}\":\"v\""))));
        Assert.Equal($"tags.{longKey}", Field(WithTags([$"\"{longKey}\":\"v\""])));
        Assert.Equal("tags.k", Field(WithTags([$"\"k\":\"{new string('v', 257)}\""])));
        Assert.Equal(48, ReplicationPolicy.Parse(WithTags(Enumerable.Range(0, 48).Select(i => $"\"k{i}\":\"v\""))).ExtraTags.Count);
    }

    [Theory]
    [InlineData("{sourceName} ({destinationRegion})")]
    [InlineData("golden/{sourceName}-[copy] @{sourceRegion}_'x'")]
    public void Name_templates_may_use_every_character_EC2_takes_in_a_name(string template) =>
        Assert.Equal(template, ReplicationPolicy.Parse("""{"destinations":[{"region":"eu-west-1"}],"templates":{"name":""" + $"\"{template}\"" + "}}").Templates.Name);

    [Fact]
    public void The_sweep_runs_hourly_unless_set_otherwise_and_0_turns_it_off()
    {
        Assert.Equal(TimeSpan.FromHours(1), ReplicationPolicy.Parse(Minimal).SweepInterval);
        Assert.Equal(TimeSpan.FromMinutes(15), ReplicationPolicy.Parse("""{"destinations":[{"region":"eu-west-1"}],"sweepIntervalMinutes":15}""").SweepInterval);
        Assert.Null(ReplicationPolicy.Parse("""{"destinations":[{"region":"eu-west-1"}],"sweepIntervalMinutes":0}""").SweepInterval);
    }

    [Fact]
    public void Ended_jobs_are_kept_forever_unless_jobRetentionDays_says_how_long()
    {
        Assert.Null(ReplicationPolicy.Parse(Minimal).JobRetention);
        Assert.Equal(TimeSpan.FromDays(90), ReplicationPolicy.Parse("""{"destinations":[{"region":"eu-west-1"}],"jobRetentionDays":90}""").JobRetention);
    }

    [Fact]
    public void Copying_a_public_sources_all_permission_is_off_unless_asked()
    {
        Assert.False(ReplicationPolicy.Parse(Minimal).CopyPublicLaunchPermission);
        Assert.True(ReplicationPolicy.Parse("""{"destinations":[{"region":"eu-west-1"}],"copyPublicLaunchPermission":true}""").CopyPublicLaunchPermission);
    }

    [Fact]
    public void Sharing_the_copies_snapshots_is_off_unless_asked()
    {
        Assert.False(ReplicationPolicy.Parse(Minimal).ShareSnapshots);
        Assert.True(ReplicationPolicy.Parse("""{"destinations":[{"region":"eu-west-1"}],"shareSnapshots":true}""").ShareSnapshots);
    }

    [Fact]
    public void An_encrypted_destination_may_name_a_key_in_its_own_region()
    {
        var policy = ReplicationPolicy.Parse("""
            {"destinations":[{"region":"eu-west-1","encrypted":true,"kmsKeyId":"arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"}]}
            """);

        Assert.True(policy.Destinations[0].Encrypt);
        Assert.EndsWith("567890ab", policy.Destinations[0].KmsKeyId, StringComparison.Ordinal);
    }

    [Fact]
    public void Retry_backoff_grows_and_is_capped()
    {
        var retries = new RetryPolicy(10, TimeSpan.FromMinutes(1));

        Assert.Equal(TimeSpan.FromMinutes(1), retries.DelayAfter(1));
        Assert.Equal(TimeSpan.FromMinutes(4), retries.DelayAfter(3));
        Assert.Equal(TimeSpan.FromHours(1), retries.DelayAfter(12));
    }
}
