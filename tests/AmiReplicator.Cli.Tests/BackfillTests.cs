using System.Text.Json.Nodes;
using Amazon.SQS.Model;
using AmiReplicator.Domain.Jobs;
using AmiReplicator.Ec2Simulator;
using AmiReplicator.LocalCloud;
using AmiReplicator.TestSupport;

namespace AmiReplicator.Cli.Tests;

/// <summary>`amirepl backfill`: the existing AMIs the policy selects, narrowed by the options, shown (--dry-run) or requested.</summary>
[Collection(LocalCloudFixture.Collection)]
public sealed class BackfillTests(LocalCloudFixture cloud)
{
    private const string Policy = """
        {"destinations":[{"region":"eu-west-1","maxInFlight":1},{"region":"ap-southeast-2","maxInFlight":1}],
         "selection":{"tags":{"replicate":"true"}}}
        """;

    private static readonly Dictionary<string, string> Selected = new() { ["replicate"] = "true" };

    private sealed record Sources(string Old, string Requested, string Web, string Unselected, string OwnCopy);

    /// <summary>Four AMIs of the account in the home region, one of them already requested through its event, and one of the replicator's copies.</summary>
    private static async Task<Sources> SeedAsync(CliHarness h)
    {
        var simulator = h.Replication.Simulator;
        var now = h.Replication.Clock.GetUtcNow();
        var old = simulator.SeedImage(LocalReplication.Home, new SeedImage { Name = "golden-old", Tags = Selected, CreationDate = now.AddDays(-30) });
        var web = simulator.SeedImage(LocalReplication.Home, new SeedImage
        {
            Name = "web-1",
            Tags = new Dictionary<string, string>(Selected) { ["team"] = "web" },
            CreationDate = now.AddDays(-1),
        });
        var unselected = simulator.SeedImage(LocalReplication.Home, new SeedImage { Name = "golden-untagged", CreationDate = now.AddDays(-1) });
        var ownCopy = simulator.SeedImage(LocalReplication.Home, new SeedImage
        {
            Name = "golden-copy",
            Tags = new Dictionary<string, string>(Selected) { [ProvenanceTags.SourceImageId] = "ami-0aaaaaaaaaaaaaaaa", [ProvenanceTags.SourceRegion] = "eu-west-1" },
            CreationDate = now.AddDays(-1),
        });
        var requested = simulator.SeedImage(LocalReplication.Home, new SeedImage { Name = "golden-new", Tags = Selected, Volumes = [new SeedVolume()] });
        await h.Replication.SendAsync(LocalReplication.AvailableEvent(LocalReplication.Home, requested, id: requested));
        await h.Replication.DeliverAsync();
        return new Sources(old, requested, web, unselected, ownCopy);
    }

    private static List<string> Images(JsonNode json) => [.. json["images"]!.AsArray().Select(i => (string)i!["sourceImageId"]!).Order(StringComparer.Ordinal)];

    private static string[] Sorted(params string[] ids) => [.. ids.Order(StringComparer.Ordinal)];

    private static async Task<List<Message>> QueuedAsync(CliHarness h) =>
        (await h.Replication.Sqs.ReceiveMessageAsync(new ReceiveMessageRequest { QueueUrl = h.Replication.Queues.QueueUrl, MaxNumberOfMessages = 10, VisibilityTimeout = 0 })).Messages ?? [];

    [Fact]
    public async Task A_dry_run_lists_what_the_policy_selects_with_what_would_be_copied_where_and_what_is_done_and_sends_nothing()
    {
        await using var h = await CliHarness.StartAsync(cloud.Servers, Policy);
        var s = await SeedAsync(h);

        var plan = await h.JsonAsync("backfill", "--dry-run");

        Assert.True((bool)plan["dryRun"]!);
        Assert.Equal(Sorted(s.Old, s.Requested, s.Web), Images(plan));
        foreach (var image in plan["images"]!.AsArray())
        {
            var destinations = image!["destinations"]!.AsArray();
            Assert.Equal(["ap-southeast-2", "eu-west-1"], destinations.Select(d => (string)d!["destinationRegion"]!).Order(StringComparer.Ordinal));
            var requested = (string?)image["sourceImageId"] == s.Requested;
            Assert.All(destinations, d => Assert.Equal(requested ? "none" : "copy", (string?)d!["action"]));
            Assert.All(destinations, d => Assert.Equal(requested ? "COPYING" : null, (string?)d!["state"]));
        }

        var summary = plan["summary"]!;
        Assert.Equal((3, 1, 0, 4), ((int)summary["selected"]!, (int)summary["alreadyRequested"]!, (int)summary["enqueued"]!, (int)summary["copies"]!));
        Assert.Empty(await QueuedAsync(h));

        var table = await h.RunAsync("backfill", "--dry-run");
        Assert.Equal(0, table.ExitCode);
        Assert.Contains("would copy", table.Output, StringComparison.Ordinal);
        Assert.Contains("has a job: COPYING", table.Output, StringComparison.Ordinal);
        Assert.Contains("2 would be requested (4 copies)", table.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(s.Unselected, table.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(s.OwnCopy, table.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_options_narrow_the_policys_selection_by_name_tag_creation_time_owner_and_region()
    {
        await using var h = await CliHarness.StartAsync(cloud.Servers, Policy);
        var s = await SeedAsync(h);
        var now = h.Replication.Clock.GetUtcNow();

        Assert.Equal([s.Old], Images(await h.JsonAsync("backfill", "--dry-run", "--name", "golden-o*")));
        Assert.Equal(Sorted(s.Old, s.Web), Images(await h.JsonAsync("backfill", "--dry-run", "--name", "golden-o*", "--name", "web-?")));
        Assert.Equal([s.Web], Images(await h.JsonAsync("backfill", "--dry-run", "--tag", "team=web")));
        Assert.Equal(Sorted(s.Requested, s.Web), Images(await h.JsonAsync("backfill", "--dry-run", "--since", now.AddDays(-7).ToString("O"))));
        Assert.Equal(Sorted(s.Old, s.Requested, s.Web), Images(await h.JsonAsync("backfill", "--dry-run", "--owner", "self")));
        Assert.Empty(Images(await h.JsonAsync("backfill", "--dry-run", "--owner", "111122223333")));
        // The policy's selection still holds: an option cannot select what it leaves out.
        Assert.Empty(Images(await h.JsonAsync("backfill", "--dry-run", "--name", "golden-untagged")));
        Assert.Empty(Images(await h.JsonAsync("backfill", "--dry-run", "--from", "us-west-2")));

        (await h.RunAsync("backfill", "--tag", "team")).AssertError(ExitCodes.Usage, "--tag: 'team' is not KEY=VALUE");
        (await h.RunAsync("backfill", "--owner", "someone")).AssertError(ExitCodes.Usage, "--owner: 'someone' is neither self nor a 12-digit account id");
        (await h.RunAsync("backfill", "--from", "mars-east-1")).AssertError(ExitCodes.Usage, "--from: 'mars-east-1' is not a known AWS region");
        Assert.Empty(await QueuedAsync(h));
    }

    [Fact]
    public async Task A_real_run_requests_each_AMI_lacking_a_job_once_and_the_dispatcher_makes_their_jobs()
    {
        await using var h = await CliHarness.StartAsync(cloud.Servers, Policy);
        var s = await SeedAsync(h);

        var run = await h.RunAsync("backfill", "--requested-by", "alice");

        Assert.True(run.ExitCode == 0, run.Error);
        Assert.Contains("Enqueued 2/2", run.Output, StringComparison.Ordinal);
        Assert.Contains("2 requested (4 copies)", run.Output, StringComparison.Ordinal);
        var bodies = (await QueuedAsync(h)).Select(m => JsonNode.Parse(m.Body)!).ToList();
        Assert.Equal(Sorted(s.Old, s.Web), bodies.Select(b => (string)b["sourceImageId"]!).Order(StringComparer.Ordinal));
        Assert.All(bodies, b =>
        {
            Assert.Equal(LocalReplication.Home, (string?)b["sourceRegion"]);
            Assert.Equal("alice", (string?)b["requestedBy"]);
            Assert.Equal("backfill", (string?)b["reason"]);
            Assert.Equal("sweep", (string?)b["origin"]);
            Assert.Null(b["destinations"]);
        });

        await h.Replication.DeliverAsync();
        var jobs = await h.Replication.JobsAsync();
        Assert.Equal(6, jobs.Count);
        Assert.All(new[] { s.Old, s.Web }, id => Assert.Equal(2, jobs.Count(j => j.Key.SourceImageId == id && j.RequestedBy == "alice")));

        var again = await h.JsonAsync("backfill");
        Assert.Equal((3, 3, 0), ((int)again["summary"]!["selected"]!, (int)again["summary"]!["alreadyRequested"]!, (int)again["summary"]!["enqueued"]!));
        Assert.Empty(await QueuedAsync(h));
    }
}
