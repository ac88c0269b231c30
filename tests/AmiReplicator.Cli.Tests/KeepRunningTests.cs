using AmiReplicator.LocalCloud;
using AmiReplicator.TestSupport;

namespace AmiReplicator.Cli.Tests;

/// <summary>
/// `tools/local-run.sh --keep-running`: after the run, the local run's triggers keep invoking the functions (the request queue to the
/// dispatcher, the poller each virtual minute, the copies' own events), so `amirepl` works against it as against a deployment.
/// </summary>
[Collection(LocalCloudFixture.Collection)]
public sealed class KeepRunningTests(LocalCloudFixture cloud)
{
    private const string Policy = """{"destinations":[{"region":"eu-west-1"},{"region":"ap-southeast-2"}],"sweepIntervalMinutes":0}""";

    [Fact]
    public async Task Amirepl_replicate_is_handled_through_to_available_copies_until_the_loop_is_stopped()
    {
        await using var h = await CliHarness.StartAsync(cloud.Servers, Policy);
        using var http = new HttpClient();
        var triggers = await LocalTriggers.StartAsync(h.Replication, http, cloud.Servers.MotoUrl, [LocalReplication.Home], ["eu-west-1", "ap-southeast-2"]);
        using var stop = new CancellationTokenSource();
        var errors = new StringWriter();
        var running = triggers.RunUntilStoppedAsync(TimeSpan.FromMilliseconds(50), errors, stop.Token);

        // `replicate` waits for the dispatcher's jobs: only a dispatcher consuming the queue makes it exit 0.
        var imageId = h.Replication.Simulator.SeedImage(LocalReplication.Home, new Ec2Simulator.SeedImage { Name = "golden-kept", Volumes = [new Ec2Simulator.SeedVolume()] });
        var replicated = await h.RunAsync("replicate", imageId, "--requested-by", "alice", "--wait-seconds", "60", "--output", "json");
        Assert.True(replicated.ExitCode == ExitCodes.Done, replicated.Error);

        // The poller's schedule and the copies' events carry the jobs to AVAILABLE, as `status` and `show` see them.
        var deadline = DateTime.UtcNow.AddMinutes(1);
        while ((await h.JsonAsync("show", imageId))["jobs"]!.AsArray().Any(j => (string?)j!["state"] != "AVAILABLE"))
        {
            Assert.True(DateTime.UtcNow < deadline, $"jobs not AVAILABLE after a minute: {(await h.RunAsync("show", imageId)).Output}");
            await Task.Delay(100);
        }

        var status = await h.RunAsync("status");
        Assert.Equal(ExitCodes.Done, status.ExitCode);
        Assert.All(await h.Replication.JobsAsync(), j => Assert.Equal("alice", j.RequestedBy));

        // Ctrl-C ends the loop: it returns, and what is sent afterwards is left in the queue.
        await stop.CancelAsync();
        await running.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Empty(errors.ToString());
        var late = h.Replication.Simulator.SeedImage(LocalReplication.Home, new Ec2Simulator.SeedImage { Name = "golden-late" });
        Assert.Equal(ExitCodes.Done, (await h.RunAsync("replicate", late, "--no-wait")).ExitCode);
        Assert.Equal(1, await h.Replication.DeliverAsync());
    }
}
