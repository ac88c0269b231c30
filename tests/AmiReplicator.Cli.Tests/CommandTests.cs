using System.Text.Json;
using System.Text.Json.Nodes;
using Amazon.SQS.Model;
using AmiReplicator.Contract;
using AmiReplicator.Domain.Jobs;
using AmiReplicator.LocalCloud;
using AmiReplicator.TestSupport;

namespace AmiReplicator.Cli.Tests;

[Collection(LocalCloudFixture.Collection)]
public sealed class CommandTests(LocalCloudFixture cloud)
{
    // One copy at a time into each destination: a second AMI waits, so every state shows.
    private const string Policy = """
        {"destinations":[{"region":"eu-west-1","maxInFlight":1},{"region":"ap-southeast-2","maxInFlight":1}],"retries":{"maxAttempts":1}}
        """;

    private static JsonObject Line(JsonNode status, string table, string destination, string? source = null) =>
        status[table]!.AsArray().Select(l => l!.AsObject())
            .Single(l => (string?)l["destinationRegion"] == destination && (string?)l["sourceRegion"] == source);

    private static IReadOnlyList<JsonObject> Jobs(JsonNode json) => [.. json["jobs"]!.AsArray().Select(j => j!.AsObject())];

    [Fact]
    public async Task Status_counts_jobs_by_state_and_slots_against_the_budget_per_destination_and_pair()
    {
        await using var h = await CliHarness.StartAsync(cloud.Servers, Policy);
        var first = await h.NewSourceAsync("golden-1");
        var second = await h.NewSourceAsync("golden-2");

        var status = await h.JsonAsync("status");

        foreach (var destination in new[] { "eu-west-1", "ap-southeast-2" })
        {
            foreach (var line in new[] { Line(status, "destinations", destination), Line(status, "pairs", destination, LocalReplication.Home) })
            {
                Assert.Equal(1, (int)line["copying"]!);
                Assert.Equal(1, (int)line["waiting"]!);
                Assert.Equal(0, (int)line["available"]!);
                Assert.Equal(1, (int)line["inFlight"]!);
                Assert.NotNull(line["oldestWaitingSince"]);
                Assert.True((long)line["oldestWaitingAgeSeconds"]! >= 0);
            }

            Assert.Equal(1, (int)Line(status, "destinations", destination)["budget"]!);
            Assert.Equal(1, (int)Line(status, "pairs", destination, LocalReplication.Home)["budget"]!);
        }

        var table = await h.RunAsync("status");
        Assert.Equal(0, table.ExitCode);
        Assert.Contains("eu-west-1", table.Output, StringComparison.Ordinal);
        Assert.Contains("1/1", table.Output, StringComparison.Ordinal);
        Assert.NotEqual(first, second);
    }

    [Fact]
    public async Task List_filters_by_state_destination_source_image_and_time_and_show_prints_one_AMIs_jobs()
    {
        await using var h = await CliHarness.StartAsync(cloud.Servers, Policy);
        var first = await h.NewSourceAsync("golden-1");
        var second = await h.NewSourceAsync("golden-2");

        Assert.Equal(4, Jobs(await h.JsonAsync("list")).Count);
        var waiting = Assert.Single(Jobs(await h.JsonAsync("list", "--state", "waiting", "--to", "eu-west-1")));
        Assert.Equal(second, (string?)waiting["sourceImageId"]);
        Assert.Equal("WAITING", (string?)waiting["state"]);
        Assert.All(Jobs(await h.JsonAsync("list", "--image", first)), j => Assert.Equal("COPYING", (string?)j["state"]));
        Assert.Empty(Jobs(await h.JsonAsync("list", "--from", "eu-central-1")));
        Assert.Empty(Jobs(await h.JsonAsync("list", "--since", "2099-01-01T00:00:00Z")));
        Assert.Equal(4, Jobs(await h.JsonAsync("list", "--since", "2000-01-01T00:00:00Z")).Count);

        var shown = Jobs(await h.JsonAsync("show", first));
        Assert.Equal(["ap-southeast-2", "eu-west-1"], shown.Select(j => (string)j["destinationRegion"]!).Order(StringComparer.Ordinal));
        Assert.All(shown, j =>
        {
            Assert.StartsWith("ami-", (string?)j["targetImageId"], StringComparison.Ordinal);
            Assert.Equal(1, (int)j["attempt"]!);
            Assert.NotNull(j["copyStartedAt"]);
        });
        var text = await h.RunAsync("show", first);
        Assert.Contains("copy started", text.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Replicate_enqueues_a_request_by_hand_and_prints_the_jobs_the_dispatcher_made()
    {
        await using var h = await CliHarness.StartAsync(cloud.Servers, Policy);
        var imageId = h.Replication.Simulator.SeedImage(LocalReplication.Home, new Ec2Simulator.SeedImage { Name = "golden-3", Volumes = [new Ec2Simulator.SeedVolume()] });

        var queued = await h.JsonAsync("replicate", imageId, "--to", "eu-west-1", "--no-wait", "--requested-by", "alice", "--reason", "backfill");
        var message = Assert.Single((await h.Replication.Sqs.ReceiveMessageAsync(new ReceiveMessageRequest
        {
            QueueUrl = h.Replication.Queues.QueueUrl,
            MaxNumberOfMessages = 10,
            VisibilityTimeout = 0,
        })).Messages);
        var body = JsonNode.Parse(message.Body)!;
        Assert.Equal(imageId, (string?)body["sourceImageId"]);
        Assert.Equal(LocalReplication.Home, (string?)body["sourceRegion"]);
        Assert.Equal(["eu-west-1"], body["destinations"]!.AsArray().Select(d => (string)d!));
        Assert.Equal("alice", (string?)body["requestedBy"]);
        Assert.Equal("backfill", (string?)body["reason"]);
        Assert.Null(body["origin"]);
        Assert.Equal(imageId, (string?)queued["requests"]![0]!["sourceImageId"]);
        await h.Replication.DeliverAsync();

        // Waiting: the dispatcher runs beside it, as Lambda would.
        var replicate = h.RunAsync("replicate", imageId, "--output", "json");
        while (!replicate.IsCompleted)
        {
            await h.Replication.DeliverAsync();
            await Task.WhenAny(replicate, Task.Delay(200));
        }

        var result = await replicate;
        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Equal(["ap-southeast-2", "eu-west-1"], Jobs(result.Json).Select(j => (string)j["destinationRegion"]!).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Replicate_refuses_an_unknown_AMI_an_unknown_region_and_a_destination_outside_the_policy()
    {
        await using var h = await CliHarness.StartAsync(cloud.Servers, Policy);

        (await h.RunAsync("replicate", "ami-0123456789abcdef0", "--no-wait")).AssertError(ExitCodes.NotFound, "no AMI ami-0123456789abcdef0 in us-east-1");
        (await h.RunAsync("replicate", "ami-0123456789abcdef0", "--to", "eu-nowhere-1")).AssertError(ExitCodes.Usage, "--to: 'eu-nowhere-1' is not a known AWS region");
        (await h.RunAsync("replicate", "ami-0123456789abcdef0", "--to", "us-west-2")).AssertError(ExitCodes.Usage,
            "--to: us-west-2 is not a destination of the policy, or it is draining");
        Assert.Empty((await h.Replication.Sqs.ReceiveMessageAsync(h.Replication.Queues.QueueUrl)).Messages ?? []);
    }

    [Fact]
    public async Task Cancel_deregisters_the_pending_copies_with_their_snapshots_cancels_waiting_jobs_and_releases_the_slots()
    {
        await using var h = await CliHarness.StartAsync(cloud.Servers, Policy);
        var copying = await h.NewSourceAsync("golden-1");
        var waiting = await h.NewSourceAsync("golden-2");
        var targets = (await h.Replication.JobsAsync()).Where(j => j.Key.SourceImageId == copying).ToDictionary(j => j.Key.DestinationRegion, j => j.TargetImageId!);

        var cancelled = Jobs(await h.JsonAsync("cancel", copying, "--yes", "--requested-by", "alice", "--reason", "wrong build"));
        Assert.All(cancelled, c =>
        {
            Assert.Equal("COPYING", (string?)c["previousState"]);
            Assert.Equal("CANCELLED", (string?)c["state"]);
            Assert.Equal(targets[(string)c["destinationRegion"]!], (string?)c["deregisteredImageId"]);
            Assert.Null(c["problem"]);
        });
        foreach (var (region, target) in targets)
        {
            Assert.True(h.Replication.Simulator.FindImage(region, target) is null or { State: "deregistered" });
            Assert.All(h.Replication.Simulator.Snapshots(region), s => Assert.Equal("deleted", s.State));
        }

        var jobs = (await h.Replication.JobsAsync()).Where(j => j.Key.SourceImageId == copying).ToList();
        Assert.All(jobs, j =>
        {
            Assert.Equal(CopyJobState.Cancelled, j.State);
            Assert.Equal("cancelled by alice: wrong build", j.LastError);
            Assert.Null(j.ImageToRemove);
        });
        Assert.All(await h.Replication.CountersAsync(), c => Assert.DoesNotContain(c.Holders, k => k.SourceImageId == copying));
        // Cancelled by hand through the replicator's own composition: counted as the functions count a cancel, per destination and in all.
        var metrics = await LocalCloudWatch.ListMetricsAsync(h.Cloud.MotoUrl, ReplicatorMetrics.NamespaceOf(h.Replication.Replicator.Settings.Policy.Deployment),
            CancellationToken.None);
        Assert.Equal([null, .. targets.Keys.Order(StringComparer.Ordinal)],
            metrics.Where(m => m.Name == ReplicatorMetrics.CopiesCancelled.Name).Select(m => m.Destination).Distinct().Order(StringComparer.Ordinal));

        // The other AMI's waiting jobs take the freed slots at the next start; cancelled while waiting, they need no EC2 call.
        var ec2Calls = h.Replication.Simulator.CallCount("eu-west-1", "DeregisterImage");
        Assert.All(Jobs(await h.JsonAsync("cancel", waiting, "--yes")), c => Assert.Equal(("WAITING", "CANCELLED"), ((string)c["previousState"]!, (string)c["state"]!)));
        Assert.Equal(ec2Calls, h.Replication.Simulator.CallCount("eu-west-1", "DeregisterImage"));
        Assert.All(await h.Replication.CountersAsync(), c => Assert.Equal(0, c.InFlight));
    }

    [Fact]
    public async Task Cancel_reports_each_job_already_AVAILABLE_FAILED_or_CANCELLED_as_not_cancelled_and_exits_1_still_cancelling_the_others()
    {
        await using var h = await CliHarness.StartAsync(cloud.Servers, Policy);
        h.Replication.Simulator.FailNextCopies("ap-southeast-2", 1);
        var ended = await h.NewSourceAsync("golden-1");
        await h.Replication.RunPollerUntilDoneAsync();
        var copying = await h.NewSourceAsync("golden-2");
        await h.JsonAsync("cancel", copying, "--to", "eu-west-1");

        var partly = await h.RunAsync("cancel", copying, "--yes", "--output", "json");

        partly.AssertError(ExitCodes.Error, $"1 of 2 jobs of {copying} could not be cancelled: see each one's problem");
        Assert.Equal(
            [("ap-southeast-2", "COPYING", "CANCELLED", null), ("eu-west-1", "CANCELLED", "CANCELLED", "already CANCELLED: nothing to cancel")],
            Jobs(partly.Json).Select(c => ((string)c["destinationRegion"]!, (string)c["previousState"]!, (string)c["state"]!, (string?)c["problem"]))
                .OrderBy(c => c.Item1, StringComparer.Ordinal));

        var none = await h.RunAsync("cancel", ended, "--yes");

        none.AssertError(ExitCodes.Error, $"2 of 2 jobs of {ended} could not be cancelled: see each one's problem");
        Assert.Contains("already AVAILABLE: nothing to cancel", none.Output, StringComparison.Ordinal);
        Assert.Contains("already FAILED: nothing to cancel", none.Output, StringComparison.Ordinal);
        Assert.Equal(
            [("ap-southeast-2", CopyJobState.Failed), ("eu-west-1", CopyJobState.Available)],
            (await h.Replication.JobsAsync()).Where(j => j.Key.SourceImageId == ended).Select(j => (j.Key.DestinationRegion, j.State)).Order());
    }

    [Fact]
    public async Task Retry_asks_again_for_failed_and_cancelled_jobs_one_request_per_AMI()
    {
        await using var h = await CliHarness.StartAsync(cloud.Servers, Policy);
        h.Replication.Simulator.FailNextCopies("eu-west-1", 1);
        var failing = await h.NewSourceAsync("golden-1");
        await h.Replication.RunPollerUntilDoneAsync();
        Assert.Equal(CopyJobState.Failed, (await h.Replication.JobsAsync()).Single(j => j.Key.DestinationRegion == "eu-west-1").State);

        (await h.RunAsync("retry", "ami-0123456789abcdef0")).AssertError(ExitCodes.NotFound, "no failed or cancelled job of ami-0123456789abcdef0 to retry");
        (await h.RunAsync("retry")).AssertError(ExitCodes.Usage, "retry: name a source AMI, or pass --failed (not both)");

        var retried = await h.JsonAsync("retry", "--failed", "--since", "2000-01-01T00:00:00Z", "--no-wait");
        var request = Assert.Single(retried["requests"]!.AsArray())!;
        Assert.Equal(failing, (string?)request["sourceImageId"]);
        Assert.Equal(["eu-west-1"], request["destinations"]!.AsArray().Select(d => (string)d!));
        await h.Replication.DeliverAsync();
        var job = (await h.Replication.JobsAsync()).Single(j => j.Key.DestinationRegion == "eu-west-1");
        Assert.Equal(2, job.Attempt);
        Assert.NotEqual(CopyJobState.Failed, job.State);
        (await h.RunAsync("retry", "--failed")).AssertError(ExitCodes.NotFound, "no FAILED job to retry");
    }

    [Fact]
    public async Task Every_command_has_help()
    {
        await using var h = await CliHarness.StartAsync(cloud.Servers, Policy);
        foreach (var command in new[] { "status", "list", "show", "watch", "replicate", "backfill", "retry", "cancel", "prune" })
        {
            var help = await h.RunAsync(command, "--help");
            Assert.Equal(0, help.ExitCode);
            Assert.Contains("Usage:", help.Output, StringComparison.Ordinal);
            Assert.Contains("--output", help.Output, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task The_table_and_queue_given_as_flags_need_no_deployment_parameter()
    {
        await using var h = await CliHarness.StartAsync(cloud.Servers, Policy);
        await h.NewSourceAsync("golden-1");

        var listed = await h.RunAsync("list", "--output", "json", "--deployment-parameter", "/amirepl-tests/none",
            "--table", h.Replication.Replicator.Settings.TableName, "--queue-url", h.Replication.Queues.QueueUrl);
        Assert.True(listed.ExitCode == 0, listed.Error);
        Assert.Equal(2, Jobs(listed.Json).Count);
    }
}
