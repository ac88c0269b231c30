using AmiReplicator.Ec2Simulator;

namespace AmiReplicator.Workflows.Tests;

/// <summary>
/// Withdrawn builds are withdrawn everywhere: with the source's own events lost, the sweep withdraws its copies and brings them back,
/// and a source deprecated in the past gets its copies deprecated at the earliest time EC2 takes. The events themselves, through the
/// request queue, are in the end-to-end tests.
/// </summary>
public class WithdrawalTests
{
    private const string Consumer = "111122223333";

    private const string Withdrawing = """
        {"destinations":[{"region":"eu-west-1"},{"region":"eu-central-1"}],"shareSnapshots":true,
         "lifecycle":{"disableWithSource":true,"deregisterWithSource":true}}
        """;

    [Fact]
    public async Task With_the_events_lost_the_sweep_withdraws_the_copies_and_brings_them_back()
    {
        await using var h = await WorkflowHarness.StartAsync(Withdrawing);
        var source = h.Simulator.SeedImage("us-east-1", new SeedImage { Name = "golden-1", LaunchPermissions = [LaunchPermissionEntry.ForAccount(Consumer)] });
        var copies = (await ByHand.ReplicateAsync(h, source)).Select(j => (j.Key.DestinationRegion, Image: j.TargetImageId!)).ToList();

        h.Simulator.DisableImage("us-east-1", source);
        h.Clock.Advance(TimeSpan.FromMinutes(60));
        Assert.Empty((await h.RunPollerAsync()).Errors);
        Assert.All(copies, c => Assert.Equal("disabled", h.Simulator.FindImage(c.DestinationRegion, c.Image)!.State));

        h.Simulator.EnableImage("us-east-1", source);
        h.Clock.Advance(TimeSpan.FromMinutes(60));
        Assert.Empty((await h.RunPollerAsync()).Errors);
        Assert.All(copies, c =>
        {
            var copy = h.Simulator.FindImage(c.DestinationRegion, c.Image)!;
            Assert.Equal("available", copy.State);
            Assert.Equal([LaunchPermissionEntry.ForAccount(Consumer)], copy.LaunchPermissions);
        });
        Assert.All(await h.JobsAsync(), j => Assert.False(j.DisabledWithSource));
    }

    [Fact]
    public async Task A_source_deprecated_at_a_time_already_past_gets_its_copies_deprecated_at_the_earliest_time_EC2_takes()
    {
        await using var h = await WorkflowHarness.StartAsync("""{"destinations":[{"region":"eu-west-1"}]}""");
        var source = h.Simulator.SeedImage("us-east-1", new SeedImage { Name = "golden-1" });
        var job = Assert.Single(await ByHand.ReplicateAsync(h, source));
        Assert.Null(h.Simulator.FindImage("eu-west-1", job.TargetImageId!)!.DeprecationTime);

        // Its owner deprecates it as of yesterday (EC2 takes no past time: as an owner's tool that set it earlier would have).
        var yesterday = h.Clock.GetUtcNow().AddDays(-1);
        h.Simulator.SetDeprecation("us-east-1", source, yesterday);
        h.Clock.Advance(TimeSpan.FromMinutes(60).Add(TimeSpan.FromSeconds(20)));
        var sweptAt = h.Clock.GetUtcNow();
        Assert.Empty((await h.RunPollerAsync()).Errors);

        var earliest = new DateTimeOffset(sweptAt.Year, sweptAt.Month, sweptAt.Day, sweptAt.Hour, sweptAt.Minute, 0, TimeSpan.Zero).AddMinutes(2);
        Assert.Equal(earliest, h.Simulator.FindImage("eu-west-1", job.TargetImageId!)!.DeprecationTime);
        Assert.Contains($"deprecation follows the source: {yesterday:u} is past, so deprecated at {earliest:u}, the earliest EC2 takes",
            Assert.Single(await h.JobsAsync()).Notes);

        // Deprecated by then: the next sweep changes nothing.
        var calls = h.Simulator.CallCount("eu-west-1", "EnableImageDeprecation");
        h.Clock.Advance(TimeSpan.FromMinutes(60));
        Assert.Empty((await h.RunPollerAsync()).Errors);
        Assert.Equal(calls, h.Simulator.CallCount("eu-west-1", "EnableImageDeprecation"));
    }
}
