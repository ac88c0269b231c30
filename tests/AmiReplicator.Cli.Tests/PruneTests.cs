using AmiReplicator.Domain.Jobs;
using AmiReplicator.Ec2Simulator;
using AmiReplicator.LocalCloud;
using AmiReplicator.TestSupport;

namespace AmiReplicator.Cli.Tests;

/// <summary>`amirepl prune`: the retention plan per destination, then the removal of what it removes.</summary>
[Collection(LocalCloudFixture.Collection)]
public sealed class PruneTests(LocalCloudFixture cloud)
{
    private const string Policy = """{"destinations":[{"region":"eu-west-1"}]}""";

    private const string RetentionPolicy = """
        {"destinations":[{"region":"eu-west-1"}],"retention":{"keepLatest":1,"familyNamePrefixes":["golden-"]},
         "latestCopyParameter":"/amirepl/latest/{family}"}
        """;

    /// <summary>Copies of golden-1, golden-2, ... made one after another (each source seeded when asked for: each build is newer).</summary>
    private static async Task<List<CopyJob>> CopiesAsync(CliHarness h, int count)
    {
        var jobs = new List<CopyJob>();
        for (var i = 1; i <= count; i++)
        {
            var source = h.Replication.Simulator.SeedImage(LocalReplication.Home, new SeedImage { Name = $"golden-{i}" });
            await h.Replication.SendAsync($$"""{"sourceRegion":"us-east-1","sourceImageId":"{{source}}","requestedBy":"test"}""");
            await h.Replication.DeliverAsync();
            jobs.Add((await h.Replication.RunPollerUntilDoneAsync()).Single(j => j.Key.SourceImageId == source));
        }

        return jobs;
    }

    /// <summary>The retention the deployment would run with, given as a file (the functions run without it here, so nothing is removed before).</summary>
    private static async Task<string> RetentionPolicyFileAsync()
    {
        var policyFile = Path.Combine(Path.GetTempPath(), $"amirepl-prune-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(policyFile, RetentionPolicy);
        return policyFile;
    }

    [Fact]
    public async Task The_dry_run_shows_an_older_copy_kept_because_a_launch_template_names_it_and_the_run_keeps_it()
    {
        await using var h = await CliHarness.StartAsync(cloud.Servers, Policy);
        var copies = (await CopiesAsync(h, 3)).Select(j => j.TargetImageId!).ToList();
        var template = h.Replication.Simulator.CreateLaunchTemplate("eu-west-1", copies[0]);
        var policyFile = await RetentionPolicyFileAsync();
        try
        {
            var plan = await h.JsonAsync("prune", "--dry-run", "--policy-file", policyFile);
            var decisions = Assert.Single(plan["destinations"]!.AsArray())!["decisions"]!.AsArray();
            Assert.Equal([(copies[2], "keep"), (copies[1], "would remove"), (copies[0], "keep")],
                decisions.Select(d => ((string)d!["imageId"]!, (string)d["action"]!)));
            Assert.EndsWith($"in use: referenced by arn:aws:ec2:eu-west-1:{h.Replication.Simulator.AccountId}:launch-template/{template}", (string)decisions[2]!["why"]!,
                StringComparison.Ordinal);

            var run = await h.RunAsync("prune", "--policy-file", policyFile, "--yes");
            Assert.True(run.ExitCode == 0, run.Error);
            Assert.Equal(["available", "deregistered", "available"], copies.AsEnumerable().Reverse().Select(c => h.Replication.Simulator.FindImage("eu-west-1", c)!.State));
        }
        finally
        {
            File.Delete(policyFile);
        }
    }

    [Fact]
    public async Task The_dry_run_shows_what_goes_and_why_and_the_real_run_removes_the_older_copy_with_its_snapshots_and_points_the_family_at_the_newest()
    {
        await using var h = await CliHarness.StartAsync(cloud.Servers, Policy);
        var jobs = await CopiesAsync(h, 2);
        var (older, newer) = (jobs[0].TargetImageId!, jobs[1].TargetImageId!);
        var policyFile = await RetentionPolicyFileAsync();
        try
        {
            var plan = await h.JsonAsync("prune", "--dry-run", "--policy-file", policyFile);
            Assert.True((bool)plan["dryRun"]!);
            var destination = Assert.Single(plan["destinations"]!.AsArray())!;
            Assert.Equal(("eu-west-1", 0), ((string?)destination["destinationRegion"], (int)destination["removed"]!));
            Assert.Equal(
                [(newer, "keep"), (older, "would remove")],
                destination["decisions"]!.AsArray().Select(d => ((string)d!["imageId"]!, (string)d["action"]!)));
            Assert.All(destination["decisions"]!.AsArray(), d => Assert.Equal("golden-", (string?)d!["family"]));
            Assert.Equal("1 older than the newest 1", (string?)destination["decisions"]![1]!["why"]);
            Assert.Equal("available", h.Replication.Simulator.FindImage("eu-west-1", older)!.State);
            Assert.Equal(0, h.Replication.Simulator.CallCount("eu-west-1", "ssm:PutParameter"));

            (await h.RunAsync("prune", "--to", "ap-southeast-2", "--policy-file", policyFile)).AssertError(ExitCodes.Usage,
                "--to: ap-southeast-2 is not a destination of the policy");
            (await h.RunAsync("prune")).AssertError(ExitCodes.Usage, "the policy has no retention: every copy is kept");

            var snapshots = h.Replication.Simulator.FindImage("eu-west-1", older)!.BlockDevices.Select(d => d.SnapshotId).ToList();
            var run = await h.RunAsync("prune", "--to", "eu-west-1", "--policy-file", policyFile, "--yes");
            Assert.True(run.ExitCode == 0, run.Error);
            Assert.Contains("eu-west-1: 1 removed with their snapshots", run.Output, StringComparison.Ordinal);
            Assert.Contains(older, run.Output, StringComparison.Ordinal);

            Assert.Equal("deregistered", h.Replication.Simulator.FindImage("eu-west-1", older)!.State);
            Assert.NotEmpty(snapshots);
            Assert.All(snapshots, id => Assert.Equal("deleted", h.Replication.Simulator.Snapshots("eu-west-1").Single(s => s.SnapshotId == id).State));
            Assert.Equal("available", h.Replication.Simulator.FindImage("eu-west-1", newer)!.State);
            // The family's latest-copy parameter names the newest remaining copy once SSM has checked the value.
            h.Replication.Clock.Advance(TimeSpan.FromSeconds(5));
            Assert.Equal(newer, h.Replication.Simulator.FindParameter("eu-west-1", "/amirepl/latest/golden-")?.Value);
            var job = (await h.Replication.JobsAsync()).Single(j => j.Key == jobs[0].Key);
            Assert.Contains($"{older} removed by retention with its snapshots: family golden-, 1 older than the newest 1", job.Notes);

            var after = await h.JsonAsync("prune", "--policy-file", policyFile, "--yes");
            Assert.Equal(0, (int)after["destinations"]![0]!["removed"]!);
        }
        finally
        {
            File.Delete(policyFile);
        }
    }
}
