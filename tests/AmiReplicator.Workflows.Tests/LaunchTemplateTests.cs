using System.Collections.Concurrent;
using AmiReplicator.Aws.Ec2;
using AmiReplicator.Domain.Jobs;
using AmiReplicator.Domain.Lifecycle;
using AmiReplicator.Domain.Observability;
using AmiReplicator.Domain.Policy;
using AmiReplicator.Ec2Simulator;
using AmiReplicator.LocalCloud;
using Microsoft.Extensions.Logging.Abstractions;

namespace AmiReplicator.Workflows.Tests;

/// <summary>
/// Launch templates tagged amireplicator:track=&lt;family&gt; follow the family's newest build: a version naming each newer build's copy
/// once it is available (the default too with amireplicator:set-default=true), never an older build, and a refusal only noted.
/// </summary>
public sealed class LaunchTemplateTests
{
    private const string Destination = "eu-west-1";
    private const string Family = "golden-al2023";
    private static readonly DateTimeOffset OlderBuild = new(2026, 11, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset NewerBuild = new(2026, 11, 10, 0, 0, 0, TimeSpan.Zero);

    /// <summary>Families by the source's tag, without retention.</summary>
    private const string Policy = """
        {"destinations":[{"region":"eu-west-1"}],"launchTemplates":{"familyTag":"image-family"}}
        """;

    private static readonly Dictionary<string, string> TracksAndDefaults = new() { [LaunchTemplatePolicy.TrackTag] = Family, [LaunchTemplatePolicy.SetDefaultTag] = "true" };

    [Fact]
    public async Task A_template_tracking_the_family_gets_a_version_naming_the_new_copy_its_default_when_it_asks_and_others_are_untouched()
    {
        await using var h = await WorkflowHarness.StartAsync(Policy);
        var before = BaseImage(h);
        var asksDefault = h.Simulator.CreateLaunchTemplate(Destination, before, TracksAndDefaults, "web");
        var tracks = h.Simulator.CreateLaunchTemplate(Destination, before, new Dictionary<string, string> { [LaunchTemplatePolicy.TrackTag] = Family }, "batch");
        var untagged = h.Simulator.CreateLaunchTemplate(Destination, before, name: "by-hand");
        var otherFamily = h.Simulator.CreateLaunchTemplate(Destination, before, new Dictionary<string, string> { [LaunchTemplatePolicy.TrackTag] = "windows" }, "windows");

        // Finished by the dispatcher, on the copy's own event.
        var source = Source(h, "golden-al2023-2", NewerBuild);
        h.Send(LocalReplication.AvailableEvent("us-east-1", source));
        await h.DeliverAsync();
        h.Clock.Advance(TimeSpan.FromMinutes(5));
        Assert.True(h.SendEc2Events() > 0);
        await h.DeliverAsync();

        var job = Assert.Single(await h.JobsAsync());
        Assert.Equal(CopyJobState.Available, job.State);
        var copy = job.TargetImageId!;
        var templates = Templates(h);
        Assert.Equal([before, copy], templates[asksDefault].VersionImageIds);
        Assert.Equal(copy, templates[asksDefault].DefaultImageId);
        Assert.Equal([before, copy], templates[tracks].VersionImageIds);
        Assert.Equal(before, templates[tracks].DefaultImageId);
        Assert.Equal([before], templates[untagged].VersionImageIds);
        Assert.Equal([before], templates[otherFamily].VersionImageIds);
        Assert.Contains($"launch template {asksDefault} (web) launches {copy} from version 2, now its default", job.Notes);
        Assert.Contains($"launch template {tracks} (batch) launches {copy} from version 2", job.Notes);
        Assert.Contains("LaunchTemplatesUpdated", h.Log.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_template_is_not_moved_back_when_an_older_builds_copy_finishes_after_a_newer_ones()
    {
        var durations = new ConcurrentDictionary<string, TimeSpan>();
        await using var h = await WorkflowHarness.StartAsync(Policy, o => o with { CopyDurationFor = c => durations.GetValueOrDefault(c.SourceImageId, TimeSpan.FromMinutes(5)) });
        var before = BaseImage(h);
        var template = h.Simulator.CreateLaunchTemplate(Destination, before, TracksAndDefaults, "web");
        // The older build is asked for first (a backfill, say) and its copy is slower: it finishes after the newer build's.
        var older = Source(h, "golden-al2023-1", OlderBuild);
        durations[older] = TimeSpan.FromMinutes(30);
        var newer = Source(h, "golden-al2023-2", NewerBuild);
        h.Send(LocalReplication.AvailableEvent("us-east-1", older, "e-1"));
        h.Send(LocalReplication.AvailableEvent("us-east-1", newer, "e-2"));
        await h.DeliverAsync();

        var jobs = await h.RunPollerUntilDoneAsync();

        var (olderJob, newerJob) = (jobs.Single(j => j.Key.SourceImageId == older), jobs.Single(j => j.Key.SourceImageId == newer));
        Assert.True(olderJob.CompletedAt > newerJob.CompletedAt);
        var followed = Templates(h)[template];
        Assert.Equal([before, newerJob.TargetImageId], followed.VersionImageIds);
        Assert.Equal(newerJob.TargetImageId, followed.DefaultImageId);
        Assert.Contains(olderJob.Notes, n => n.StartsWith($"launch template {template} (web) stays on {newerJob.TargetImageId} (version 2)", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_refused_update_is_noted_and_counted_and_the_copy_still_ends_available_with_its_slots_released()
    {
        await using var h = await WorkflowHarness.StartAsync(Policy);
        var before = BaseImage(h);
        var full = h.Simulator.CreateLaunchTemplate(Destination, before, TracksAndDefaults, "full");
        for (var version = 2; version <= 10_000; version++)
        {
            h.Simulator.DefaultAccount.CreateLaunchTemplateVersion(Destination, full, before);
        }

        var open = h.Simulator.CreateLaunchTemplate(Destination, before, TracksAndDefaults, "open");
        var source = Source(h, "golden-al2023-2", NewerBuild);
        h.Send(LocalReplication.AvailableEvent("us-east-1", source));
        await h.DeliverAsync();

        var job = Assert.Single(await h.RunPollerUntilDoneAsync());

        Assert.Equal((CopyJobState.Available, 0), (job.State, job.StepFailures));
        Assert.Contains(job.Notes, n => n.StartsWith($"launch template {full} (full) not moved to {job.TargetImageId}: LaunchTemplateVersionLimitExceeded", StringComparison.Ordinal));
        Assert.Equal(10_000, Templates(h)[full].LatestVersion);
        Assert.Equal(job.TargetImageId, Templates(h)[open].DefaultImageId);
        Assert.All(await h.CountersAsync(), c => Assert.Equal(0, c.InFlight));
        Assert.Contains("LaunchTemplateUpdatesRefused", h.Log.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Following_again_after_a_worker_died_before_the_job_was_available_makes_no_second_version_and_still_sets_the_default()
    {
        await using var h = await WorkflowHarness.StartAsync(Policy);
        var template = h.Simulator.CreateLaunchTemplate(Destination, BaseImage(h), TracksAndDefaults, "web");
        var source = Source(h, "golden-al2023-2", NewerBuild);
        h.Send(LocalReplication.AvailableEvent("us-east-1", source));
        await h.DeliverAsync();
        h.Clock.Advance(TimeSpan.FromMinutes(5));
        var copyId = Assert.Single(await h.JobsAsync()).TargetImageId!;
        using var clients = new Ec2Clients(h.Simulator.Endpoint, LocalReplication.Credentials);
        var ec2 = new Ec2ImageGateway(clients);
        var copy = (await ec2.DescribeImageAsync(Destination, copyId, CancellationToken.None))!;
        var follower = new LaunchTemplateFollower(ec2, h.Policy.LaunchTemplates!, new NoMetrics(), NullLogger<LaunchTemplateFollower>.Instance);

        // The first worker made the version and died before making it the default; the next pass follows again.
        await ec2.CreateVersionAsync(Destination, template, 1, copyId, "first-worker", CancellationToken.None);
        var notes = new List<string>();
        await follower.FollowAsync(ec2, ec2, copy, notes, CancellationToken.None);
        await follower.FollowAsync(ec2, ec2, copy, notes, CancellationToken.None);

        var followed = Templates(h)[template];
        Assert.Equal(2, followed.LatestVersion);
        Assert.Equal(copyId, followed.DefaultImageId);
        Assert.Equal([$"launch template {template} (web) launches {copyId} from version 2, now its default"], notes);
    }

    [Fact]
    public async Task A_template_in_each_of_20_target_accounts_follows_the_newest_build_and_never_goes_back_when_an_older_one_finishes_later()
    {
        string[] accounts = [.. Enumerable.Range(1, 20).Select(i => $"5000000000{i:00}")];
        var durations = new ConcurrentDictionary<string, TimeSpan>();
        await using var h = await WorkflowHarness.StartAsync($$"""
            {"destinations":[{"region":"eu-west-1"}],
             "retention":{"keepLatest":5,"familyTag":"image-family"},"launchTemplates":{},
             "targets":[{"accounts":[{{string.Join(',', accounts.Select(a => $"\"{a}\""))}}],"regions":["eu-west-1"]}]}
            """, o => o with { CopyDurationFor = c => durations.GetValueOrDefault(c.SourceImageId, TimeSpan.FromMinutes(5)) });
        TargetAccountsTests.SpokeRoles(h, accounts);
        var before = BaseImage(h);
        var familyTemplates = accounts.ToDictionary(a => a, a => h.Simulator.Account(a).CreateLaunchTemplate(Destination, before, TracksAndDefaults, "web"));
        var untracked = accounts.ToDictionary(a => a, a => h.Simulator.Account(a).CreateLaunchTemplate(Destination, before, name: "by-hand"));

        // Both builds at once; every copy of the older one (the home copy, then each account's copy of it) is slower.
        var older = Source(h, "golden-al2023-1", OlderBuild);
        var newer = Source(h, "golden-al2023-2", NewerBuild);
        durations[older] = TimeSpan.FromMinutes(30);
        h.Send(LocalReplication.AvailableEvent("us-east-1", older, "e-1"));
        h.Send(LocalReplication.AvailableEvent("us-east-1", newer, "e-2"));
        await h.DeliverAsync();
        var jobs = await h.RunPollerUntilDoneAsync(eachMinute: async () =>
        {
            // Hop 2 copies the home copy: it is slow for the older build too.
            foreach (var job in (await h.JobsAsync()).Where(j => j.Key.SourceImageId == older && j.Key.DestinationAccount is null && j.TargetImageId is not null))
            {
                durations[job.TargetImageId!] = TimeSpan.FromMinutes(30);
            }
        });

        Assert.Equal(42, jobs.Count);
        Assert.All(jobs, j => Assert.Equal(CopyJobState.Available, j.State));
        foreach (var account in accounts)
        {
            var (olderJob, newerJob) = (jobs.Single(j => j.Key.SourceImageId == older && j.Key.DestinationAccount == account),
                jobs.Single(j => j.Key.SourceImageId == newer && j.Key.DestinationAccount == account));
            Assert.True(olderJob.CompletedAt > newerJob.CompletedAt, account);
            var templates = h.Simulator.Account(account).LaunchTemplates(Destination).ToDictionary(t => t.LaunchTemplateId);
            var followed = templates[familyTemplates[account]];
            // Onto the newer build's copy, the account's own, and never back to the older build's.
            Assert.Equal([before, newerJob.TargetImageId], followed.VersionImageIds);
            Assert.Equal(newerJob.TargetImageId, followed.DefaultImageId);
            Assert.Equal(account, h.Simulator.FindImage(Destination, newerJob.TargetImageId!)!.OwnerId);
            Assert.Contains(olderJob.Notes, n => n.Contains($"stays on {newerJob.TargetImageId}", StringComparison.Ordinal));
            Assert.Equal([before], templates[untracked[account]].VersionImageIds);
        }

        // The home account's own templates are not the targets' business: none was made there, none is touched.
        Assert.Empty(h.Simulator.DefaultAccount.LaunchTemplates(Destination));
    }

    private static string BaseImage(WorkflowHarness h) =>
        h.Simulator.SeedImage(Destination, new SeedImage { Name = "base-image", CreationDate = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero) });

    private static string Source(WorkflowHarness h, string name, DateTimeOffset created) =>
        h.Simulator.SeedImage("us-east-1", new SeedImage { Name = name, CreationDate = created, Tags = new Dictionary<string, string> { ["image-family"] = Family } });

    private static Dictionary<string, SimulatedLaunchTemplate> Templates(WorkflowHarness h) =>
        h.Simulator.DefaultAccount.LaunchTemplates(Destination).ToDictionary(t => t.LaunchTemplateId);
}
