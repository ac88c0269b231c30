using AmiReplicator.Domain.Jobs;
using AmiReplicator.Domain.Policy;
using AmiReplicator.Ec2Simulator;
using AmiReplicator.InMemory;
using AmiReplicator.LocalCloud;

namespace AmiReplicator.Workflows.Tests;

/// <summary>
/// Targets named by organizational units: the accounts below them are resolved from AWS Organizations (child OUs included, without
/// the management account and suspended accounts) into one target list, which every function uses; accounts that join get the spoke
/// (the StackSet's auto-deployment, some minutes later) and the current builds; accounts that leave end their open jobs TARGET_REMOVED.
/// </summary>
public class OrganizationTargetsTests
{
    private static string Policy(string unit, int maxInFlight = 5, string rollout = "") => $$"""
        {"destinations":[{"region":"eu-west-1"}],"organizationId":"{{InMemoryOrganization.Id}}","retention":{"keepLatest":5,"familyNamePrefixes":["golden-"]},
         "targets":[{"organizationalUnits":["{{unit}}"],"regions":["eu-west-1"],"maxInFlight":{{maxInFlight}}}]{{rollout}}}
        """;

    /// <summary>A unit with two child OUs, each with two of their own (3 levels), and <paramref name="accounts"/> accounts spread over the 7 OUs.</summary>
    private static (string Unit, List<string> Leaves, List<string> Accounts) ThreeLevels(InMemoryOrganization org, int accounts)
    {
        var unit = org.AddUnit(InMemoryOrganization.Root, "workloads");
        var middle = new[] { org.AddUnit(unit, "prod"), org.AddUnit(unit, "dev") };
        var leaves = middle.SelectMany(m => new[] { org.AddUnit(m, "web"), org.AddUnit(m, "data") }).ToList();
        var all = new[] { unit }.Concat(middle).Concat(leaves).ToList();
        return (unit, leaves, [.. Enumerable.Range(0, accounts).Select(i => org.AddAccount(all[i % all.Count]))]);
    }

    private static void Spokes(WorkflowHarness h, IEnumerable<string> accounts)
    {
        foreach (var account in accounts)
        {
            h.Simulator.Account(account).CreateRole("AmiReplicatorSpoke", new RoleTrust(h.Simulator.AccountId));
            h.Simulator.Account(account).ForwardCopyEventsTo(h.Simulator.AccountId);
        }
    }

    private static async Task<string> NewBuildAsync(WorkflowHarness h, string name)
    {
        var source = h.Simulator.SeedImage("us-east-1", new SeedImage { Name = name });
        h.Send(LocalReplication.AvailableEvent("us-east-1", source, $"e-{name}"));
        await h.DeliverAsync();
        return source;
    }

    [Fact]
    public async Task An_OU_tree_of_3_levels_and_200_accounts_resolves_and_a_new_AMI_reaches_every_account_but_the_management_and_suspended_ones()
    {
        await using var h = await WorkflowHarness.StartAsync(Policy(InMemoryOrganization.Root));
        var (unit, leaves, accounts) = ThreeLevels(h.Organization, 200);
        var suspended = h.Organization.AddAccount(leaves[0]);
        h.Organization.Suspend(suspended);
        h.Organization.MoveAccount(h.Organization.ManagementAccountId, unit);
        h.ChangePolicy(Policy(unit));
        Spokes(h, accounts);

        await h.RunPollerAsync();
        var list = await h.TargetLists.GetAsync(CancellationToken.None);
        Assert.Equal(accounts.Order(StringComparer.Ordinal), list.Accounts.Select(a => a.Account).Order(StringComparer.Ordinal));
        Assert.Contains(list.Accounts, a => a.Source == $"{unit}/prod/web");
        Assert.Null(list.LastError);

        var source = await NewBuildAsync(h, "golden-1");
        var jobs = await h.RunPollerUntilDoneAsync(eachMinute: async () => await h.DeliverAsync());

        Assert.Equal(201, jobs.Count);
        Assert.All(jobs, j => Assert.Equal((source, CopyJobState.Available), (j.Key.SourceImageId, j.State)));
        Assert.Equal(accounts.Order(StringComparer.Ordinal), jobs.Select(j => j.Key.DestinationAccount).OfType<string>().Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_wave_naming_a_child_OU_takes_the_accounts_below_it_first_and_the_others_wait_for_it()
    {
        await using var h = await WorkflowHarness.StartAsync(Policy(InMemoryOrganization.Root));
        var (unit, leaves, accounts) = ThreeLevels(h.Organization, 14);
        var prod = h.Organization.ParentOf(leaves[0]);
        h.ChangePolicy(Policy(unit, rollout: $$""","rollout":{"waves":[{"organizationalUnits":["{{prod}}"]}]}"""));
        Spokes(h, accounts);
        await h.RunPollerAsync();
        var list = await h.TargetLists.GetAsync(CancellationToken.None);
        var belowProd = list.Accounts.Where(a => a.Source.StartsWith($"{unit}/prod", StringComparison.Ordinal)).Select(a => a.Account).ToHashSet();
        Assert.Equal(6, belowProd.Count);

        await NewBuildAsync(h, "golden-1");
        var made = await h.JobsAsync();
        Assert.All(made.Where(j => j.Key.DestinationAccount is { } account), j =>
            Assert.Equal(!belowProd.Contains(j.Key.DestinationAccount!), j.Held));

        var jobs = await h.RunPollerUntilDoneAsync(eachMinute: async () => await h.DeliverAsync());
        Assert.All(jobs, j => Assert.Equal(CopyJobState.Available, j.State));
        var lastOfProd = jobs.Where(j => j.Key.DestinationAccount is { } a && belowProd.Contains(a)).Max(j => j.CompletedAt);
        Assert.All(jobs.Where(j => j.Key.DestinationAccount is { } a && !belowProd.Contains(a)), j => Assert.True(j.ClaimedAt >= lastOfProd, $"{j.Key} claimed at {j.ClaimedAt}, before wave 1 ended at {lastOfProd}"));
    }

    [Fact]
    public async Task An_account_joining_mid_distribution_waits_for_its_spoke_instead_of_failing_and_then_gets_the_current_build()
    {
        await using var h = await WorkflowHarness.StartAsync(Policy(InMemoryOrganization.Root));
        var (unit, leaves, accounts) = ThreeLevels(h.Organization, 3);
        h.ChangePolicy(Policy(unit));
        var stackSet = new SpokeStackSet(h.Simulator, h.Clock, TimeSpan.FromMinutes(20));
        Spokes(h, accounts);
        await h.RunPollerAsync();
        var older = await NewBuildAsync(h, "golden-1");
        await h.RunPollerUntilDoneAsync(eachMinute: async () => await h.DeliverAsync());
        var current = await NewBuildAsync(h, "golden-2");

        // Joins while golden-2 is copied; the StackSet deploys its spoke 20 minutes after the sync finds it.
        var joined = h.Organization.AddAccount(leaves[3]);
        var waitedFor = new List<string>();
        var jobs = await h.RunPollerUntilDoneAsync(eachMinute: async () =>
        {
            stackSet.Deploy((await h.TargetLists.GetAsync(CancellationToken.None)).Accounts.Select(a => a.Account));
            await h.DeliverAsync();
            waitedFor.AddRange((await h.JobsAsync()).Where(j => j.Key.DestinationAccount == joined && j.LastError is not null).Select(j => j.LastError!));
        });

        var its = jobs.Where(j => j.Key.DestinationAccount == joined).ToList();
        var job = Assert.Single(its);
        Assert.Equal((current, CopyJobState.Available), (job.Key.SourceImageId, job.State));
        Assert.Contains(waitedFor, e => e.Contains("spoke role cannot be assumed yet", StringComparison.Ordinal));
        Assert.DoesNotContain(jobs, j => j.Key.SourceImageId == older && j.Key.DestinationAccount == joined);
        Assert.Equal(joined, h.Simulator.FindImage("eu-west-1", job.TargetImageId!)?.OwnerId);
    }

    [Fact]
    public async Task An_account_leaving_mid_distribution_ends_its_open_jobs_TARGET_REMOVED_and_keeps_its_copies()
    {
        await using var h = await WorkflowHarness.StartAsync(Policy(InMemoryOrganization.Root, maxInFlight: 1),
            o => o with { CopyDuration = TimeSpan.FromMinutes(30) });
        var (unit, _, accounts) = ThreeLevels(h.Organization, 2);
        var elsewhere = h.Organization.AddUnit(InMemoryOrganization.Root, "sandbox");
        h.ChangePolicy(Policy(unit, maxInFlight: 1));
        Spokes(h, accounts);
        await h.RunPollerAsync();
        await NewBuildAsync(h, "golden-1");
        var finished = await h.RunPollerUntilDoneAsync(eachMinute: async () => await h.DeliverAsync());
        var leaving = accounts[0];
        var kept = finished.Single(j => j.Key.DestinationAccount == leaving).TargetImageId!;

        // Two builds for the leaving account: one copying (its budget is 1), one waiting.
        await NewBuildAsync(h, "golden-2");
        await NewBuildAsync(h, "golden-3");
        for (var i = 0; i < 60 && !(await h.JobsAsync()).Any(j => j.Key.DestinationAccount == leaving && j.State == CopyJobState.Copying); i++)
        {
            h.Clock.Advance(TimeSpan.FromMinutes(1));
            await h.RunPollerAsync();
        }

        h.Organization.MoveAccount(leaving, elsewhere);
        var sync = await h.Workflows.Targets!.SyncAsync(CancellationToken.None);
        Assert.Equal((leaving, TargetChangeKind.Left), (sync.Changes.Single().Account, sync.Changes.Single().Kind));
        await h.RunPollerAsync();

        var its = (await h.JobsAsync()).Where(j => j.Key.DestinationAccount == leaving && j.Key.SourceImageId != finished[0].Key.SourceImageId).ToList();
        Assert.Equal(2, its.Count);
        Assert.All(its, j => Assert.Equal((CopyJobState.Cancelled, FailureCodes.TargetRemoved), (j.State, j.FailureCode)));
        Assert.Contains(its, j => j.TargetImageId is not null);
        Assert.All(await h.CountersAsync(), c => Assert.True(c.Scope.Destination.Account != leaving || c.InFlight == 0));
        // Its copies stay: the finished one, and the one it was making.
        Assert.Equal("available", h.Simulator.FindImage("eu-west-1", kept)?.State);
        Assert.All(its.Where(j => j.TargetImageId is not null), j => Assert.NotEqual("deregistered", h.Simulator.FindImage("eu-west-1", j.TargetImageId!)?.State ?? "deregistered"));

        // The other account goes on, and the account gets nothing more.
        var newest = await NewBuildAsync(h, "golden-4");
        var after = await h.RunPollerUntilDoneAsync(eachMinute: async () => await h.DeliverAsync());
        Assert.DoesNotContain(after, j => j.Key.DestinationAccount == leaving && j.Key.SourceImageId == newest);
        Assert.All(after.Where(j => j.Key.DestinationAccount == accounts[1]), j => Assert.Equal(CopyJobState.Available, j.State));
    }

    [Fact]
    public async Task A_sync_Organizations_refuses_keeps_the_previous_list_and_says_what_to_set_up()
    {
        await using var h = await WorkflowHarness.StartAsync(Policy(InMemoryOrganization.Root));
        var (unit, _, accounts) = ThreeLevels(h.Organization, 4);
        h.ChangePolicy(Policy(unit));
        await h.RunPollerAsync();

        h.Organization.Refuse("AccessDeniedException", "the replicator's account must be a delegated administrator");
        h.Organization.AddAccount(unit);
        h.Clock.Advance(TargetListSyncInterval);
        await h.RunPollerAsync();

        var list = await h.TargetLists.GetAsync(CancellationToken.None);
        Assert.Equal(accounts.Order(StringComparer.Ordinal), list.Accounts.Select(a => a.Account).Order(StringComparer.Ordinal));
        Assert.Contains("delegated administrator", list.LastError, StringComparison.Ordinal);
        Assert.Equal(accounts.Order(StringComparer.Ordinal), h.Workflows.Policy.Targets.Single().Accounts.Order(StringComparer.Ordinal));
    }

    private static readonly TimeSpan TargetListSyncInterval = Domain.Targets.TargetListSync.Interval;
}
