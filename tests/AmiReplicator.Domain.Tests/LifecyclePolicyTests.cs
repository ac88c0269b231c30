using AmiReplicator.Domain.Policy;

namespace AmiReplicator.Domain.Tests;

public class LifecyclePolicyTests
{
    private static readonly DateTimeOffset Made = new(2026, 11, 25, 8, 0, 0, TimeSpan.Zero);

    [Fact]
    public void By_default_deprecation_and_protection_are_carried_and_nothing_destructive_is_done()
    {
        var lifecycle = ReplicationPolicy.Parse("""{"destinations":[{"region":"eu-west-1"}]}""").Lifecycle;

        Assert.Equal(new LifecyclePolicy(true, null, true, false, false), lifecycle);
        Assert.Equal(Made.AddDays(3), lifecycle.DeprecationFor(Made.AddDays(3), Made));
        Assert.Null(lifecycle.DeprecationFor(null, Made));
    }

    [Theory]
    [InlineData(10, 90, 10)]
    [InlineData(120, 90, 90)]
    [InlineData(null, 90, 90)]
    public void With_deprecateAfterDays_the_earlier_of_the_two_times_wins(int? sourceDays, int afterDays, int expectedDays)
    {
        var lifecycle = ReplicationPolicy.Parse($$$"""{"destinations":[{"region":"eu-west-1"}],"lifecycle":{"deprecateAfterDays":{{{afterDays}}}}}""").Lifecycle;

        Assert.Equal(Made.AddDays(expectedDays), lifecycle.DeprecationFor(sourceDays is { } d ? Made.AddDays(d) : null, Made));
    }

    [Fact]
    public void Without_copyDeprecation_only_the_policy_deprecates()
    {
        var lifecycle = ReplicationPolicy.Parse("""{"destinations":[{"region":"eu-west-1"}],"lifecycle":{"copyDeprecation":false}}""").Lifecycle;

        Assert.Null(lifecycle.DeprecationFor(Made.AddDays(3), Made));
    }

    [Theory]
    [InlineData("""{"deprecateAfterDays":0}""", "lifecycle.deprecateAfterDays")]
    [InlineData("""{"deprecateAfterDays":3651}""", "lifecycle.deprecateAfterDays")]
    [InlineData("""{"deregisterWithSources":true}""", "lifecycle.deregisterWithSources")]
    public void A_bad_lifecycle_names_its_field(string lifecycle, string field)
    {
        var error = Assert.Throws<PolicyException>(() => ReplicationPolicy.Parse($$$"""{"destinations":[{"region":"eu-west-1"}],"lifecycle":{{{lifecycle}}}}"""));

        Assert.Equal(field, error.Field);
    }
}
