using AmiReplicator.Domain.Jobs;
using AmiReplicator.LocalCloud;
using AmiReplicator.TestSupport;

namespace AmiReplicator.Cli.Tests;

/// <summary>`amirepl watch`: per destination in flight against the budget, and copies starting, finishing and failing as they happen.</summary>
[Collection(LocalCloudFixture.Collection)]
public sealed class WatchTests(LocalCloudFixture cloud)
{
    private const string Policy = """
        {"destinations":[{"region":"eu-west-1","maxInFlight":1},{"region":"ap-southeast-2","maxInFlight":1}],"retries":{"maxAttempts":1}}
        """;

    [Fact]
    public async Task Once_prints_each_destination_in_flight_against_its_budget()
    {
        await using var h = await CliHarness.StartAsync(cloud.Servers, Policy);
        await h.NewSourceAsync("golden-1");
        await h.NewSourceAsync("golden-2");

        var json = await h.JsonAsync("watch", "--once");
        var destinations = json["destinations"]!.AsArray().Select(d => d!.AsObject()).ToList();
        Assert.Equal(["ap-southeast-2", "eu-west-1"], destinations.Select(d => (string)d["destinationRegion"]!));
        Assert.All(destinations, d => Assert.Equal((1, 1, 1, 1), ((int)d["inFlight"]!, (int)d["budget"]!, (int)d["copying"]!, (int)d["waiting"]!)));
        Assert.Empty(json["events"]!.AsArray());

        var text = await h.RunAsync("watch", "--once");
        Assert.Equal(0, text.ExitCode);
        Assert.Contains("eu-west-1: in flight 1/1, waiting 1, copying 1, available 0, failed 0, cancelled 0", text.Output, StringComparison.Ordinal);
        (await h.RunAsync("watch", "--interval", "0")).AssertError(ExitCodes.Usage, "--interval: 0 is not a number of seconds above 0 and at most 3600");
    }

    [Fact]
    public async Task A_running_watch_reports_copies_finishing_starting_and_failing_and_ends_cleanly_on_ctrl_c()
    {
        await using var h = await CliHarness.StartAsync(cloud.Servers, Policy);
        var first = await h.NewSourceAsync("golden-1");
        var second = await h.NewSourceAsync("golden-2");
        h.Replication.Simulator.FailNextCopies("ap-southeast-2", 1);
        using var ctrlC = new CancellationTokenSource();

        var watch = h.Start(ctrlC.Token, "watch", "--interval", "0.1");
        await watch.WaitForAsync("eu-west-1: in flight 1/1, waiting 1, copying 1");

        // The first copies end (into ap-southeast-2 the second one, started then, fails); the waiting ones take their slots.
        // Virtual minutes pass faster than the watch reads: the first minute the second copy runs waits until the watch has seen it start.
        var startSeen = false;
        await h.Replication.RunPollerUntilDoneAsync(eachMinute: async () =>
        {
            if (!startSeen && (await h.Replication.JobsAsync()).Any(j => j.Key.SourceImageId == second && j.Key.DestinationRegion == "eu-west-1" && j.State == CopyJobState.Copying))
            {
                await watch.WaitForAsync($"{LocalReplication.Home}/{second} -> eu-west-1  COPYING  copy started: ami-");
                startSeen = true;
            }
        });
        Assert.True(startSeen);
        await watch.WaitForAsync("eu-west-1: in flight 0/1, waiting 0, copying 0, available 2");
        await watch.WaitForAsync($"{LocalReplication.Home}/{second} -> ap-southeast-2  FAILED  failed (COPY_FAILED): ");
        ctrlC.Cancel();
        var result = await watch.Completion;

        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Contains($"{LocalReplication.Home}/{first} -> eu-west-1  AVAILABLE  copy finished: ami-", result.Output, StringComparison.Ordinal);
        Assert.Contains($"{LocalReplication.Home}/{second} -> eu-west-1  AVAILABLE", result.Output, StringComparison.Ordinal);
        Assert.Contains("ap-southeast-2: in flight 0/1, waiting 0, copying 0, available 1, failed 1", result.Output, StringComparison.Ordinal);
        Assert.Empty(result.Error);
    }
}
