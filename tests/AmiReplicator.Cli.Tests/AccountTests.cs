using System.Text.Json.Nodes;
using AmiReplicator.Domain.Jobs;
using AmiReplicator.Ec2Simulator;
using AmiReplicator.LocalCloud;
using AmiReplicator.TestSupport;

namespace AmiReplicator.Cli.Tests;

/// <summary>
/// `--account` on status, list, show, watch, retry and cancel: copies into target accounts made by the replicator on the local
/// cloud (each account copying the home account's copy through its spoke role), read and steered per account.
/// </summary>
[Collection(LocalCloudFixture.Collection)]
public sealed class AccountTests(LocalCloudFixture cloud)
{
    private const string First = "111111111111";
    private const string Second = "222222222222";
    private const string Third = "333333333333";
    private const string Added = "444444444444";
    private const string Nobody = "999999999999";

    private const string Policy = """
        {"destinations":[{"region":"eu-west-1"},{"region":"ap-southeast-2"}],
         "targets":[{"accounts":["111111111111","222222222222","333333333333"],"regions":["eu-west-1"],"maxInFlight":5}]}
        """;

    private static IReadOnlyList<JsonObject> Array(JsonNode json, string field) => [.. json[field]!.AsArray().Select(j => j!.AsObject())];

    private static IReadOnlyList<JsonObject> Jobs(JsonNode json) => Array(json, "jobs");

    private static (string Region, string? Account) DestinationOf(JsonObject line) => ((string)line["destinationRegion"]!, (string?)line["destinationAccount"]);

    private static void SpokeRoles(CliHarness h, params string[] accounts)
    {
        foreach (var account in accounts)
        {
            h.Replication.Simulator.Account(account).CreateRole("AmiReplicatorSpoke", new RoleTrust(h.Replication.Simulator.AccountId));
        }
    }

    /// <summary>One AMI copied to its end: the home account's copies and the first account's AVAILABLE, the others' FAILED (they have no spoke role).</summary>
    private async Task<(CliHarness H, string ImageId)> CopiedAsync()
    {
        var h = await CliHarness.StartAsync(cloud.Servers, Policy);
        SpokeRoles(h, First);
        var imageId = await h.NewSourceAsync("golden-1");
        var jobs = await h.Replication.RunPollerUntilDoneAsync();
        Assert.Equal(
            [(null, "ap-southeast-2", CopyJobState.Available), (null, "eu-west-1", CopyJobState.Available), (First, "eu-west-1", CopyJobState.Available),
                (Second, "eu-west-1", CopyJobState.Failed), (Third, "eu-west-1", CopyJobState.Failed)],
            jobs.Select(j => (j.Key.DestinationAccount, j.Key.DestinationRegion, j.State)).Order());
        return (h, imageId);
    }

    [Fact]
    public async Task Status_shows_the_home_accounts_regions_and_a_line_per_target_account_and_with_account_that_accounts_regions()
    {
        var (h, _) = await CopiedAsync();
        await using var _ = h;

        var all = await h.JsonAsync("status");

        Assert.Equal([("ap-southeast-2", null), ("eu-west-1", null)], Array(all, "destinations").Select(DestinationOf));
        Assert.All(Array(all, "pairs"), p => Assert.Null((string?)p["destinationAccount"]));
        Assert.Equal(
            [(First, 1, 1, 0, 5), (Second, 1, 0, 1, 5), (Third, 1, 0, 1, 5)],
            Array(all, "accounts").Select(a => ((string)a["account"]!, (int)a["regions"]!, (int)a["available"]!, (int)a["failed"]!, (int)a["budget"]!)));

        var second = await h.JsonAsync("status", "--account", Second);

        var line = Assert.Single(Array(second, "destinations"));
        Assert.Equal(("eu-west-1", Second), DestinationOf(line));
        Assert.Equal((1, 0, 0, 5), ((int)line["failed"]!, (int)line["available"]!, (int)line["inFlight"]!, (int)line["budget"]!));
        var pair = Assert.Single(Array(second, "pairs"));
        Assert.Equal((LocalReplication.Home, "eu-west-1", Second), ((string?)pair["sourceRegion"], (string?)pair["destinationRegion"], (string?)pair["destinationAccount"]));
        Assert.Equal(Second, (string?)Assert.Single(Array(second, "accounts"))["account"]);

        // The home account by name, or by its own id (the deployment parameter names it): its regions, no target account.
        foreach (var home in new[] { "home", h.Replication.Simulator.AccountId })
        {
            var own = await h.JsonAsync("status", "--account", home);
            Assert.Equal([("ap-southeast-2", null), ("eu-west-1", null)], Array(own, "destinations").Select(DestinationOf));
            Assert.Empty(Array(own, "accounts"));
        }

        // An account just added to the policy: its regions, before any job, with its budget.
        var added = Path.Combine(Path.GetTempPath(), $"amirepl-tests-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(added, Policy.Replace(Third, $"{Third}\",\"{Added}", StringComparison.Ordinal));
        var withAdded = await h.JsonAsync("status", "--account", Added, "--policy-file", added);
        File.Delete(added);
        var fresh = Assert.Single(Array(withAdded, "destinations"));
        Assert.Equal(("eu-west-1", Added, 0, 0, 5), ((string)fresh["destinationRegion"]!, (string?)fresh["destinationAccount"], (int)fresh["waiting"]!,
            (int)fresh["available"]!, (int)fresh["budget"]!));

        var text = await h.RunAsync("status");
        Assert.Equal(0, text.ExitCode);
        Assert.Contains($"{Second} (1 region)  0        0        0        0          1       0          0/5", text.Output, StringComparison.Ordinal);
        Assert.DoesNotContain($"{Second}/eu-west-1", text.Output, StringComparison.Ordinal);
        Assert.Contains($"{LocalReplication.Home} -> {Second}/eu-west-1", (await h.RunAsync("status", "--account", Second)).Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task List_show_and_watch_keep_to_the_accounts_asked_for()
    {
        var (h, imageId) = await CopiedAsync();
        await using var _ = h;

        Assert.Equal(5, Jobs(await h.JsonAsync("list")).Count);
        Assert.Equal([("eu-west-1", First)], Jobs(await h.JsonAsync("list", "--account", First)).Select(DestinationOf));
        Assert.Equal([("ap-southeast-2", null), ("eu-west-1", null)], Jobs(await h.JsonAsync("list", "--account", "home")).Select(DestinationOf).Order());
        // With --to: both filters apply.
        Assert.Equal([("eu-west-1", null), ("eu-west-1", Second)],
            Jobs(await h.JsonAsync("list", "--account", "home", "--account", Second, "--to", "eu-west-1")).Select(DestinationOf).Order());
        Assert.Contains($"{First}/eu-west-1", (await h.RunAsync("list", "--account", First)).Output, StringComparison.Ordinal);

        var shown = Assert.Single(Jobs(await h.JsonAsync("show", imageId, "--account", Third)));
        Assert.Equal(("eu-west-1", Third, "FAILED", FailureCodes.RoleDenied),
            ((string)shown["destinationRegion"]!, (string?)shown["destinationAccount"], (string?)shown["state"], (string?)shown["failureCode"]));
        var details = (await h.RunAsync("show", imageId, "--account", Third)).Output;
        Assert.Contains($"{LocalReplication.Home}/{imageId} -> {Third}/eu-west-1: FAILED", details, StringComparison.Ordinal);
        Assert.Contains($"failure code    {FailureCodes.RoleDenied}", details, StringComparison.Ordinal);
        Assert.Contains($"{FailureCodes.RoleDenied}: the spoke role", (await h.RunAsync("list", "--account", Third)).Output, StringComparison.Ordinal);
        (await h.RunAsync("show", imageId, "--account", Nobody)).AssertError(ExitCodes.NotFound, $"no copy job for {imageId} in account {Nobody}");

        var watched = await h.JsonAsync("watch", "--once");
        Assert.Equal([("ap-southeast-2", null), ("eu-west-1", null)], Array(watched, "destinations").Select(DestinationOf));
        Assert.Equal([First, Second, Third], Array(watched, "accounts").Select(a => (string)a["account"]!));
        var first = await h.JsonAsync("watch", "--once", "--account", First);
        Assert.Equal([("eu-west-1", First)], Array(first, "destinations").Select(DestinationOf));
        var text = await h.RunAsync("watch", "--once");
        Assert.Equal(0, text.ExitCode);
        Assert.Contains($"{First} (1 region): in flight 0/5, waiting 0, copying 0, available 1, failed 0, cancelled 0", text.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Retry_with_account_asks_again_for_those_accounts_jobs_and_refuses_what_would_start_over_another_accounts()
    {
        var (h, imageId) = await CopiedAsync();
        await using var _ = h;

        // A request cannot name an account: asking for all of the AMI's destinations would start Third's failed job over too.
        (await h.RunAsync("retry", imageId, "--account", Second)).AssertError(ExitCodes.Usage,
            $"retry: a request cannot name a target account's destination yet, so asking again for {imageId} in a target account asks for all its destinations, "
            + $"which would also start over its jobs into {Third}/eu-west-1: retry {imageId} without --account and --to to ask for them all");
        (await h.RunAsync("retry", imageId, "--account", "home")).AssertError(ExitCodes.NotFound, $"no failed or cancelled job of {imageId} to retry in the home account");
        Assert.Empty((await h.Replication.Sqs.ReceiveMessageAsync(h.Replication.Queues.QueueUrl)).Messages ?? []);

        SpokeRoles(h, Second, Third);
        var retried = await h.JsonAsync("retry", imageId, "--account", Second, "--account", Third, "--no-wait");

        var request = Assert.Single(retried["requests"]!.AsArray())!;
        Assert.Null(request["destinations"]);
        Assert.Equal([("eu-west-1", Second), ("eu-west-1", Third)], Jobs(retried).Select(DestinationOf).Order());
        await h.Replication.DeliverAsync();
        var jobs = await h.Replication.RunPollerUntilDoneAsync();
        Assert.All(jobs, j => Assert.Equal(CopyJobState.Available, j.State));
        Assert.Equal([(null, 1), (null, 1), (First, 1), (Second, 2), (Third, 2)], jobs.Select(j => (j.Key.DestinationAccount, j.Attempt)).Order());
    }

    [Fact]
    public async Task Replicate_without_the_policy_waits_for_the_AMIs_jobs_target_accounts_beside_the_home_ones()
    {
        var (h, imageId) = await CopiedAsync();
        await using var _ = h;

        // Without the policy it waits for any job of the AMI to move: each destination's, the home account's and the targets' in one region apart.
        var result = await h.RunAsync("replicate", imageId, "--wait-seconds", "0", "--deployment-parameter", "/amirepl-tests/none",
            "--table", h.Replication.Replicator.Settings.TableName, "--queue-url", h.Replication.Queues.QueueUrl);

        result.AssertError(ExitCodes.TimedOut,
            "the request is queued, but the dispatcher had not written every job in time (see the DLQ if it never does; --wait-seconds waits longer)");
        Assert.Contains($"{Third}/eu-west-1", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cancel_with_account_cancels_only_that_accounts_jobs()
    {
        await using var h = await CliHarness.StartAsync(cloud.Servers, Policy);
        SpokeRoles(h, First, Second, Third);
        // Delivered, not yet polled: the home copies run, the target accounts' jobs wait for them.
        var imageId = await h.NewSourceAsync("golden-1");

        var cancelled = Assert.Single(Jobs(await h.JsonAsync("cancel", imageId, "--account", First, "--yes")));

        Assert.Equal(("eu-west-1", First, "WAITING", "CANCELLED"),
            ((string)cancelled["destinationRegion"]!, (string?)cancelled["destinationAccount"], (string?)cancelled["previousState"], (string?)cancelled["state"]));
        Assert.Equal(
            [(null, CopyJobState.Copying), (null, CopyJobState.Copying), (First, CopyJobState.Cancelled), (Second, CopyJobState.Waiting), (Third, CopyJobState.Waiting)],
            (await h.Replication.JobsAsync()).Select(j => (j.Key.DestinationAccount, j.State)).Order());
        (await h.RunAsync("cancel", imageId, "--to", "eu-west-1", "--account", Nobody)).AssertError(ExitCodes.NotFound,
            $"no copy job for {imageId} into eu-west-1 in account {Nobody}");
        Assert.Contains($"{First}/eu-west-1", (await h.RunAsync("cancel", imageId, "--account", First, "--yes")).Output, StringComparison.Ordinal);
    }
}
