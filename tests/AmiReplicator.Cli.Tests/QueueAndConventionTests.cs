using System.Text.Json.Nodes;
using Amazon.EC2.Model;
using Amazon.SQS.Model;
using AmiReplicator.Domain.Jobs;
using AmiReplicator.LocalCloud;
using AmiReplicator.TestSupport;

namespace AmiReplicator.Cli.Tests;

/// <summary>
/// The request queue and its DLQ as `amirepl` shows them (status, watch, dlq list, dlq redrive), requests refused reported by
/// replicate and retry, and the AWS CLI's conventions: --query, --output text, paging, --yes, --version, errors in the words of the input.
/// </summary>
[Collection(LocalCloudFixture.Collection)]
public sealed class QueueAndConventionTests(LocalCloudFixture cloud)
{
    private const string Policy = """
        {"destinations":[{"region":"eu-west-1","maxInFlight":1},{"region":"ap-southeast-2","maxInFlight":1}],"retries":{"maxAttempts":1}}
        """;

    private const string NoSuchAmi = "ami-0123456789abcdef0";

    private static string Request(string imageId) => $$"""{"sourceRegion":"us-east-1","sourceImageId":"{{imageId}}","requestedBy":"alice"}""";

    private static async Task<List<Message>> MessagesAsync(CliHarness h, string queueUrl) =>
        (await h.Replication.Sqs.ReceiveMessageAsync(new ReceiveMessageRequest { QueueUrl = queueUrl, MaxNumberOfMessages = 10, VisibilityTimeout = 0, WaitTimeSeconds = 1 })).Messages ?? [];

    [Fact]
    public async Task A_dead_letter_shows_in_status_with_its_reason_is_listed_and_is_redriven_only_when_confirmed()
    {
        await using var h = await CliHarness.StartAsync(cloud.Servers, Policy);
        await h.Replication.SendAsync(Request(NoSuchAmi));
        await h.Replication.DeliverAsync();
        await h.Replication.SendAsync(Request(NoSuchAmi));

        var status = await h.JsonAsync("status");
        Assert.Equal(1, (int)status["queues"]!["requests"]!["waiting"]!);
        Assert.Equal(1, (int)status["queues"]!["deadLetters"]!["waiting"]!);
        var reason = Assert.Single(status["queues"]!["deadLetterReasons"]!.AsArray())!;
        Assert.Equal($"source AMI {NoSuchAmi} does not exist in us-east-1", (string?)reason["reason"]);
        Assert.Equal(1, (int)reason["count"]!);
        var table = await h.RunAsync("status");
        Assert.Contains("Request queue: 1 waiting", table.Output, StringComparison.Ordinal);
        Assert.Contains($"1  source AMI {NoSuchAmi} does not exist in us-east-1", table.Output, StringComparison.Ordinal);

        var listed = Assert.Single((await h.JsonAsync("dlq", "list"))["deadLetters"]!.AsArray())!;
        Assert.Equal($"source AMI {NoSuchAmi} does not exist in us-east-1", (string?)listed["reason"]);
        Assert.Equal(Request(NoSuchAmi), (string?)listed["body"]);
        Assert.NotNull(listed["sentAt"]);
        Assert.NotNull(listed["originalMessageId"]);

        // Not on a terminal: nothing asks, so nothing is done without --yes.
        (await h.RunAsync("dlq", "redrive")).AssertError(ExitCodes.NotConfirmed,
            "send 1 dead letters back to the request queue: pass --yes to do it (nothing asks when the input or output is not a terminal)");
        (await h.RunAsync("dlq", "redrive", "--reason", "throttled", "--yes")).AssertError(ExitCodes.NotFound, "no dead letter whose reason contains 'throttled'");
        Assert.Single((await h.JsonAsync("dlq", "list"))["deadLetters"]!.AsArray());

        var redriven = await h.JsonAsync("dlq", "redrive", "--reason", "does not exist", "--yes");
        Assert.Equal((string?)listed["messageId"], (string?)Assert.Single(redriven["redriven"]!.AsArray())!["messageId"]);
        Assert.Empty((await h.JsonAsync("dlq", "list"))["deadLetters"]!.AsArray());
        Assert.Equal([Request(NoSuchAmi), Request(NoSuchAmi)], (await MessagesAsync(h, h.Replication.Queues.QueueUrl)).Select(m => m.Body));
    }

    [Fact]
    public async Task Replicate_reports_a_request_the_dispatcher_refuses_with_its_reason_and_exits_6()
    {
        await using var h = await CliHarness.StartAsync(cloud.Servers, Policy);
        var imageId = h.Replication.Simulator.SeedImage(LocalReplication.Home, new Ec2Simulator.SeedImage { Name = "golden-1", Volumes = [new Ec2Simulator.SeedVolume()] });
        // A policy file older than the deployment's: the CLI believes eu-central-1 is a destination, the dispatcher knows it is not.
        var stale = Path.Combine(Path.GetTempPath(), $"amirepl-stale-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(stale, """{"destinations":[{"region":"eu-central-1"}]}""");
        try
        {
            var replicate = h.RunAsync("replicate", imageId, "--to", "eu-central-1", "--policy-file", stale);
            while (!replicate.IsCompleted)
            {
                await h.Replication.DeliverAsync();
                await Task.WhenAny(replicate, Task.Delay(200));
            }

            var result = await replicate;
            Assert.Equal(ExitCodes.Refused, result.ExitCode);
            Assert.StartsWith($"amirepl: {imageId}: refused by the dispatcher (in the DLQ as ", result.Error, StringComparison.Ordinal);
            Assert.Contains("destination eu-central-1 is not in the replication policy", result.Error, StringComparison.Ordinal);
            Assert.Contains($"Refused: us-east-1/{imageId}", result.Output, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(stale);
        }
    }

    [Fact]
    public async Task Retry_does_not_send_a_request_the_dispatcher_would_refuse_and_says_why_with_exit_6()
    {
        await using var h = await CliHarness.StartAsync(cloud.Servers, Policy);
        h.Replication.Simulator.FailNextCopies("eu-west-1", 1);
        var imageId = await h.NewSourceAsync("golden-1");
        await h.Replication.RunPollerUntilDoneAsync();
        // The source is gone since: a request for it would die in the DLQ ("does not exist").
        await h.Replication.Ec2(LocalReplication.Home).DeregisterImageAsync(new DeregisterImageRequest { ImageId = imageId });

        var retried = await h.RunAsync("retry", "--failed", "--output", "json");

        Assert.Equal(ExitCodes.Refused, retried.ExitCode);
        Assert.Equal($"amirepl: {imageId}: not sent: no AMI {imageId} in us-east-1{Environment.NewLine}", retried.Error);
        Assert.Equal(imageId, (string?)Assert.Single(retried.Json["refused"]!.AsArray())!["sourceImageId"]);
        Assert.Empty(retried.Json["requests"]!.AsArray());
        Assert.Empty(await MessagesAsync(h, h.Replication.Queues.QueueUrl));
    }

    [Fact]
    public async Task Requested_by_defaults_to_the_callers_AWS_identity()
    {
        await using var h = await CliHarness.StartAsync(cloud.Servers, Policy);
        var imageId = h.Replication.Simulator.SeedImage(LocalReplication.Home, new Ec2Simulator.SeedImage { Name = "golden-1", Volumes = [new Ec2Simulator.SeedVolume()] });

        await h.JsonAsync("replicate", imageId, "--no-wait");

        var body = JsonNode.Parse(Assert.Single(await MessagesAsync(h, h.Replication.Queues.QueueUrl)).Body)!;
        Assert.StartsWith("arn:aws:", (string?)body["requestedBy"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Query_and_text_output_shape_list_and_status_as_the_AWS_CLI_does()
    {
        await using var h = await CliHarness.StartAsync(cloud.Servers, Policy);
        var first = await h.NewSourceAsync("golden-1");

        var ids = await h.RunAsync("list", "--query", "jobs[].destinationRegion", "--output", "text");
        Assert.Equal(0, ids.ExitCode);
        Assert.Equal($"ap-southeast-2\teu-west-1{Environment.NewLine}", ids.Output);

        var text = await h.RunAsync("list", "--output", "text");
        var lines = text.Output.Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        Assert.All(lines, l => Assert.StartsWith($"JOBS\tus-east-1\t{first}\t", l, StringComparison.Ordinal));
        Assert.All(lines, l => Assert.Contains("\tCOPYING\t", l, StringComparison.Ordinal));

        var copying = await h.JsonAsync("status", "--query", "destinations[?copying==`1`].destinationRegion");
        Assert.Equal(["ap-southeast-2", "eu-west-1"], copying.AsArray().Select(d => (string)d!));
        var waiting = await h.RunAsync("status", "--query", "queues.requests.waiting", "--output", "text");
        Assert.Equal($"0{Environment.NewLine}", waiting.Output);

        (await h.RunAsync("list", "--query", "jobs[")).AssertError(ExitCodes.Usage, "--query: 'jobs[' is not a JMESPath expression this document can be queried with");
    }

    [Fact]
    public async Task List_pages_with_max_items_and_the_token_it_prints()
    {
        await using var h = await CliHarness.StartAsync(cloud.Servers, Policy);
        await h.NewSourceAsync("golden-1");
        await h.NewSourceAsync("golden-2");
        var all = (await h.JsonAsync("list"))["jobs"]!.AsArray().Select(Key).ToList();

        var page1 = await h.JsonAsync("list", "--max-items", "3");
        var token = (string?)page1["nextToken"];
        Assert.NotNull(token);
        var page2 = await h.JsonAsync("list", "--max-items", "3", "--starting-token", token);
        Assert.Null(page2["nextToken"]);
        Assert.Equal(all, page1["jobs"]!.AsArray().Concat(page2["jobs"]!.AsArray()).Select(Key));
        Assert.Equal(3, page1["jobs"]!.AsArray().Count);
        Assert.Contains($"More jobs: --starting-token {token}", (await h.RunAsync("list", "--max-items", "3")).Output, StringComparison.Ordinal);

        (await h.RunAsync("list", "--starting-token", "not-a-token")).AssertError(ExitCodes.Usage, "--starting-token: 'not-a-token' is not a token that list printed (its nextToken)");
        (await h.RunAsync("list", "--max-items", "0")).AssertError(ExitCodes.Usage, "--max-items: 0 is not a number of jobs (1 or more)");

        static string Key(JsonNode? job) => $"{job!["sourceImageId"]} {job["destinationRegion"]}";
    }

    [Fact]
    public async Task Cancel_of_several_jobs_is_not_done_unconfirmed_when_nothing_can_ask()
    {
        await using var h = await CliHarness.StartAsync(cloud.Servers, Policy);
        var imageId = await h.NewSourceAsync("golden-1");

        (await h.RunAsync("cancel", imageId)).AssertError(ExitCodes.NotConfirmed,
            $"cancel 2 unfinished jobs of {imageId}: pass --yes to do it (nothing asks when the input or output is not a terminal)");

        Assert.All(await h.Replication.JobsAsync(), j => Assert.Equal(CopyJobState.Copying, j.State));
    }

    [Fact]
    public async Task Watch_shows_the_pair_budget_that_holds_work_back_and_the_queues()
    {
        await using var h = await CliHarness.StartAsync(cloud.Servers, """{"destinations":[{"region":"eu-west-1","maxInFlight":5,"maxInFlightPerSource":1}]}""");
        await h.NewSourceAsync("golden-1");
        await h.NewSourceAsync("golden-2");

        var watched = await h.JsonAsync("watch", "--once");
        var pair = Assert.Single(watched["pairsHoldingWork"]!.AsArray())!;
        Assert.Equal(("us-east-1", "eu-west-1", 1, 1, 1), ((string?)pair["sourceRegion"], (string?)pair["destinationRegion"], (int)pair["inFlight"]!, (int)pair["budget"]!, (int)pair["waiting"]!));
        Assert.Equal(0, (int)watched["queues"]!["requests"]!["waiting"]!);

        var plain = await h.RunAsync("watch", "--once");
        Assert.Contains("us-east-1 -> eu-west-1: pair budget full (1/1 in flight, maxInFlightPerSource), 1 waiting while the destination has room", plain.Output, StringComparison.Ordinal);
        Assert.Contains("Request queue: 0 waiting, 0 being handled", plain.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Version_prints_the_tools_version()
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        Assert.Equal(0, await AmireplCli.RunAsync(["--version"], output, error, CancellationToken.None));
        Assert.Equal($"0.1.0{Environment.NewLine}", output.ToString());
    }

    public static TheoryData<string> BadInputs => new()
    {
        "status --account bob", "list --state NOPE", "list --max-items many", "list --since yesterday", "watch --interval soon", "watch --interval -1",
        "replicate not-an-ami", $"replicate {NoSuchAmi} --wait-seconds soon", $"replicate {NoSuchAmi} --requested-by ''", "backfill --tag novalue",
        "backfill --owner bob", "retry not-an-ami", "retry", "cancel not-an-ami", "prune --to nowhere-1", "dlq list --output yaml", "dlq frobnicate",
        "status --query jobs[", "list --region mars-1", "show ami-0123456789abcdef0 --from mars-1",
    };

    [Theory]
    [MemberData(nameof(BadInputs))]
    public async Task An_error_is_one_line_in_the_inputs_words_without_NET_type_names(string commandLine)
    {
        await using var h = await CliHarness.StartAsync(cloud.Servers, Policy);

        var result = await h.RunAsync([.. commandLine.Split(' ').Select(a => a == "''" ? "" : a)]);

        Assert.NotEqual(ExitCodes.Done, result.ExitCode);
        Assert.DoesNotContain("System.", result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", result.Error, StringComparison.Ordinal);
        var lines = result.Error.Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);
        Assert.NotEmpty(lines);
        Assert.All(lines, l => Assert.True(l.StartsWith("amirepl: ", StringComparison.Ordinal) || l == CliResult.UsageHint, l));
    }
}
