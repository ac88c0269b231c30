using AmiReplicator.Domain.Jobs;
using CsCheck;

namespace AmiReplicator.Domain.Tests;

public class CopyJobTests
{
    private static CopyJob Job(int attempt, string destination = "eu-west-1") => new()
    {
        Key = new CopyJobKey("us-east-1", "ami-0123456789abcdef0", destination),
        State = CopyJobState.Waiting,
        Name = "n",
        Description = "d",
        RequestedBy = "test",
        Attempt = attempt,
        CreatedAt = DateTimeOffset.UnixEpoch,
        UpdatedAt = DateTimeOffset.UnixEpoch,
    };

    [Fact]
    public void The_client_token_is_deterministic_short_ascii_and_new_for_each_attempt()
    {
        Gen.Int[1, 1000].Sample(attempt =>
        {
            var token = Job(attempt).ClientToken;
            Assert.Equal(token, Job(attempt).ClientToken);
            Assert.True(token.Length <= 64 && token.All(char.IsAscii));
            Assert.NotEqual(token, Job(attempt + 1).ClientToken);
            Assert.NotEqual(token, Job(attempt, "eu-central-1").ClientToken);
            Assert.NotEqual(token, (Job(attempt) with { Name = "renamed" }).ClientToken);
            Assert.NotEqual(token, (Job(attempt) with { CreatedAt = DateTimeOffset.UnixEpoch.AddSeconds(1) }).ClientToken);
        });
    }

    [Theory]
    [InlineData(CopyJobState.Waiting, CopyJobState.Claimed, true)]
    [InlineData(CopyJobState.Claimed, CopyJobState.Copying, true)]
    [InlineData(CopyJobState.Claimed, CopyJobState.Waiting, true)]
    [InlineData(CopyJobState.Copying, CopyJobState.Available, true)]
    [InlineData(CopyJobState.Copying, CopyJobState.Waiting, true)]
    [InlineData(CopyJobState.Failed, CopyJobState.Waiting, true)]
    [InlineData(CopyJobState.Waiting, CopyJobState.Copying, false)]
    [InlineData(CopyJobState.Waiting, CopyJobState.Available, true)]
    [InlineData(CopyJobState.Available, CopyJobState.Waiting, true)]
    [InlineData(CopyJobState.Cancelled, CopyJobState.Waiting, true)]
    [InlineData(CopyJobState.Waiting, CopyJobState.Cancelled, true)]
    [InlineData(CopyJobState.Copying, CopyJobState.Cancelled, true)]
    [InlineData(CopyJobState.Cancelled, CopyJobState.Claimed, false)]
    [InlineData(CopyJobState.Failed, CopyJobState.Available, false)]
    [InlineData(CopyJobState.Available, CopyJobState.Failed, false)]
    [InlineData(CopyJobState.Claimed, CopyJobState.Available, false)]
    public void The_state_machine_allows_only_its_moves(CopyJobState from, CopyJobState to, bool allowed)
    {
        Assert.Equal(allowed, from.CanMoveTo(to));
        if (!allowed)
        {
            Assert.Throws<InvalidOperationException>(() => (Job(1) with { State = from }).MoveTo(to, DateTimeOffset.UnixEpoch));
        }
    }

    [Fact]
    public void Moving_to_another_state_starts_the_count_of_step_failures_again()
    {
        var failing = Job(1) with { StepFailures = 3 };

        Assert.Equal(3, failing.MoveTo(CopyJobState.Waiting, DateTimeOffset.UnixEpoch).StepFailures);
        Assert.Equal(0, failing.MoveTo(CopyJobState.Claimed, DateTimeOffset.UnixEpoch).StepFailures);
    }

    [Fact]
    public void Only_claimed_and_copying_jobs_hold_slots()
    {
        Assert.Equal(
            [CopyJobState.Claimed, CopyJobState.Copying],
            Enum.GetValues<CopyJobState>().Where(s => s.HoldsSlot()));
    }
}
