using Microsoft.Extensions.Time.Testing;

namespace AmiReplicator.LambdaHost.Tests;

public class LambdaInvocationTests
{
    private static readonly DateTimeOffset Now = new(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void RemainingTime_is_the_time_until_the_deadline()
    {
        var invocation = new LambdaInvocation("req", Now.AddSeconds(30), "arn", null, "{}");

        Assert.Equal(TimeSpan.FromSeconds(30), invocation.RemainingTime(new FakeTimeProvider(Now)));
    }

    [Fact]
    public void RemainingTime_is_zero_after_the_deadline()
    {
        var invocation = new LambdaInvocation("req", Now.AddSeconds(-5), "arn", null, "{}");

        Assert.Equal(TimeSpan.Zero, invocation.RemainingTime(new FakeTimeProvider(Now)));
    }
}
