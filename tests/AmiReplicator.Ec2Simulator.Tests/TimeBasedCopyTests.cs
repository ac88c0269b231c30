using static AmiReplicator.Ec2Simulator.Tests.Harness;

namespace AmiReplicator.Ec2Simulator.Tests;

/// <summary>CopyImage with SnapshotCopyCompletionDurationMinutes: EC2's range, and the throughput each pair may commit.</summary>
public sealed class TimeBasedCopyTests
{
    private static Action<Amazon.EC2.Model.CopyImageRequest> Within(int minutes) => r => r.SnapshotCopyCompletionDurationMinutes = minutes;

    [Theory]
    [InlineData(0)]
    [InlineData(10)]
    [InlineData(20)]
    [InlineData(2895)]
    public async Task A_completion_duration_out_of_range_or_off_the_15_minute_steps_is_refused_naming_the_parameter(int minutes)
    {
        await using var h = await Harness.StartAsync();
        var sourceId = await h.RegisterAsync(Source);

        var refused = await Ec2Assert.ErrorAsync("InvalidParameterValue", () => h.CopyAsync(sourceId, configure: Within(minutes)));

        Assert.Contains("SnapshotCopyCompletionDurationMinutes", refused.Message, StringComparison.Ordinal);
        Assert.Equal(0, h.Simulator.PeakPendingCopies(Destination));
    }

    [Fact]
    public async Task A_time_based_copy_completes_within_its_duration_while_the_pair_has_throughput_left()
    {
        await using var h = await Harness.StartAsync();
        var sourceId = await h.RegisterAsync(Source);

        var copy = await h.CopyAsync(sourceId, configure: Within(60));

        h.Clock.Advance(TimeSpan.FromMinutes(59));
        Assert.Equal("pending", (await h.DescribeAsync(Destination, copy)).State.Value);
        h.Clock.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal("available", (await h.DescribeAsync(Destination, copy)).State.Value);
    }

    [Fact]
    public async Task With_too_little_throughput_left_a_copy_is_accepted_and_runs_late_and_with_none_left_it_is_refused_until_one_finishes()
    {
        // An 8 GiB snapshot in 15 minutes asks for 8 * 1024 / 900 = 9.1 MiB/s: two fit in 20, a third gets the 1.8 left.
        await using var h = await Harness.StartAsync(o => o with { SnapshotCopyThroughputMiBpsPerPair = 20 });
        var sourceId = await h.RegisterAsync(Source);
        var onTime = await h.CopyAsync(sourceId, configure: Within(15));
        await h.CopyAsync(sourceId, configure: Within(15));
        var late = await h.CopyAsync(sourceId, configure: Within(15));

        var refused = await Ec2Assert.ErrorAsync("ResourceLimitExceeded", () => h.CopyAsync(sourceId, configure: Within(15)));
        Assert.Contains("throughput", refused.Message, StringComparison.Ordinal);
        // Copies that are not time-based, and time-based ones from another source region, do not count against the pair.
        await h.CopyAsync(sourceId);
        await h.CopyAsync(await h.RegisterAsync("us-west-2"), source: "us-west-2", configure: Within(15));

        h.Clock.Advance(TimeSpan.FromMinutes(15));
        Assert.Equal("available", (await h.DescribeAsync(Destination, onTime)).State.Value);
        Assert.Equal("pending", (await h.DescribeAsync(Destination, late)).State.Value);
        await h.CopyAsync(sourceId, configure: Within(15));
        // It keeps the rate it was given: 9.1 / 1.8 times its 15 minutes, about 76.
        h.Clock.Advance(TimeSpan.FromMinutes(60));
        Assert.Equal("pending", (await h.DescribeAsync(Destination, late)).State.Value);
        h.Clock.Advance(TimeSpan.FromMinutes(2));
        Assert.Equal("available", (await h.DescribeAsync(Destination, late)).State.Value);
    }
}
