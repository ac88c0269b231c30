using AmiReplicator.Domain.Jobs;
using AmiReplicator.Domain.Slots;

namespace AmiReplicator.Domain.Tests;

/// <summary>How jobs and counters name a destination: the home account's as before targets existed, a target account's apart.</summary>
public class CopyDestinationTests
{
    private static readonly CopyJobKey Home = new("us-east-1", "ami-0000000000000000a", "eu-west-1");
    private static readonly CopyJobKey Target = Home with { DestinationAccount = "111111111111" };

    [Fact]
    public void The_home_accounts_holder_ids_and_counter_scopes_are_those_written_before_targets_existed()
    {
        Assert.Equal("us-east-1#ami-0000000000000000a#eu-west-1", Home.HolderId);
        Assert.Equal(["DEST#eu-west-1", "PAIR#us-east-1#eu-west-1"], SlotScope.HeldBy(Home).Select(s => s.ToString()));
        Assert.Equal("us-east-1/ami-0000000000000000a->eu-west-1", Home.ToString());
    }

    [Fact]
    public void A_target_accounts_holder_ids_and_counter_scopes_carry_the_account()
    {
        Assert.Equal("us-east-1#ami-0000000000000000a#111111111111#eu-west-1", Target.HolderId);
        Assert.Equal(["DEST#111111111111#eu-west-1", "PAIR#us-east-1#111111111111#eu-west-1"], SlotScope.HeldBy(Target).Select(s => s.ToString()));
        Assert.Equal("us-east-1/ami-0000000000000000a->111111111111/eu-west-1", Target.ToString());
        Assert.NotEqual(Home, Target);
        Assert.False(SlotScope.All(Home.Destination).Covers(Target));
        Assert.True(SlotScope.Pair("us-east-1", Target.Destination).Covers(Target));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("111111111111")]
    public void Holder_ids_and_scopes_read_back_as_written(string? account)
    {
        var key = Home with { DestinationAccount = account };
        Assert.Equal(key, CopyJobKey.FromHolderId(key.HolderId));
        Assert.All(SlotScope.HeldBy(key), scope => Assert.Equal(scope, SlotScope.Parse(scope.ToString())));
    }

    [Theory]
    [InlineData("us-east-1#ami-1")]
    [InlineData("a#b#c#d#e")]
    public void A_holder_id_of_another_shape_is_refused_naming_it(string holderId) =>
        Assert.Contains(holderId, Assert.Throws<FormatException>(() => CopyJobKey.FromHolderId(holderId)).Message);
}
