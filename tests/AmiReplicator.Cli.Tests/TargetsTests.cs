using System.Text.Json.Nodes;
using AmiReplicator.Cli;
using AmiReplicator.Ec2Simulator;
using AmiReplicator.LocalCloud;
using AmiReplicator.TestSupport;

namespace AmiReplicator.Cli.Tests;

/// <summary>
/// `amirepl targets sync` and `targets list` against moto's Organizations (the local cloud's default account is the organization's
/// management account, as the home account may be), and the other commands seeing the accounts of the targets' units; `list` and
/// `show` marking a share-mode target's job.
/// </summary>
[Collection(LocalCloudFixture.Collection)]
public sealed class TargetsTests(LocalCloudFixture cloud)
{
    private const string Listed = "111111111111";

    private static readonly string HomeAccount = new Ec2SimulatorOptions().AccountId;

    private static string Policy(string organizationId, string unit) => $$"""
        {"destinations":[{"region":"eu-west-1"}],"organizationId":"{{organizationId}}",
         "targets":[{"accounts":["{{Listed}}"],"regions":["eu-west-1"],"maxInFlight":5},
                    {"organizationalUnits":["{{unit}}"],"regions":["eu-west-1"],"mode":"share","maxInFlight":3}]}
        """;

    private static IReadOnlyList<JsonObject> Array(JsonNode json, string field) => [.. json[field]!.AsArray().Select(j => j!.AsObject())];

    /// <summary>A unit of this test's own in the organization, with an account at each of 3 levels (the unit, prod below it, web below that).</summary>
    private async Task<(MotoOrganization Organization, string Unit, string Web, string[] Accounts)> TreeAsync()
    {
        var organization = await MotoOrganization.OpenAsync(cloud.Servers.MotoUrl, HomeAccount);
        var unit = await organization.CreateUnitAsync(organization.RootId, $"cli-{Guid.NewGuid():N}"[..12]);
        var prod = await organization.CreateUnitAsync(unit, "prod");
        var web = await organization.CreateUnitAsync(prod, "web");
        string[] accounts = [await organization.CreateAccountAsync(unit, "top"), await organization.CreateAccountAsync(prod, "middle"), await organization.CreateAccountAsync(web, "leaf")];
        return (organization, unit, web, accounts);
    }

    [Fact]
    public async Task Sync_prints_who_joined_and_left_and_list_status_and_account_see_the_units_accounts_with_their_source()
    {
        var (organization, unit, web, accounts) = await TreeAsync();
        var (top, middle, leaf) = (accounts[0], accounts[1], accounts[2]);
        await using var h = await CliHarness.StartAsync(cloud.Servers, Policy(organization.Id, unit));

        var before = await h.JsonAsync("targets", "list");
        Assert.Equal([(0, Listed, "listed")], Array(before, "accounts").Select(a => ((int)a["target"]!, (string)a["account"]!, (string)a["source"]!)));
        Assert.Null((string?)before["resolvedAt"]);

        var synced = await h.RunAsync("targets", "sync");

        Assert.Equal((ExitCodes.Done, ""), (synced.ExitCode, synced.Error));
        Assert.Contains("3 accounts in the targets' units, resolved at ", synced.Output, StringComparison.Ordinal);
        Assert.Contains(": 3 joined, 0 left.", synced.Output, StringComparison.Ordinal);
        Assert.Contains($"joined  {leaf}", synced.Output, StringComparison.Ordinal);
        Assert.Contains($"found in {unit}/prod/web", synced.Output, StringComparison.Ordinal);

        var listed = await h.JsonAsync("targets", "list");
        Assert.Equal(
            [(0, Listed, "listed", "copy", true), (1, top, unit, "share", true), (1, middle, $"{unit}/prod", "share", true), (1, leaf, $"{unit}/prod/web", "share", true)],
            Array(listed, "accounts").Select(a => ((int)a["target"]!, (string)a["account"]!, (string)a["source"]!, (string)a["mode"]!, (bool)a["copied"]!))
                .OrderBy(a => a.Item1).ThenBy(a => a.Item3, StringComparer.Ordinal));
        Assert.NotNull((string?)listed["resolvedAt"]);
        Assert.Null((string?)listed["lastError"]);
        Assert.Equal(3, Array(listed, "changes").Count(c => (string?)c["kind"] == "JOINED"));

        // The accounts of the units are targets for every command: status shows them with their budget, --account takes them.
        var status = await h.JsonAsync("status");
        Assert.Equal(new[] { (Listed, 5), (top, 3), (middle, 3), (leaf, 3) }.Order(), Array(status, "accounts").Select(a => ((string)a["account"]!, (int)a["budget"]!)).Order());
        var one = Assert.Single(Array(await h.JsonAsync("status", "--account", middle), "destinations"));
        Assert.Equal(("eu-west-1", middle, 3), ((string)one["destinationRegion"]!, (string?)one["destinationAccount"], (int)one["budget"]!));

        // The leaf account moves out of the unit: the next sync sees it leave, and it is no longer a target.
        await organization.MoveAccountAsync(leaf, web, organization.RootId);
        var moved = await h.JsonAsync("targets", "sync");

        Assert.Empty(Array(moved, "joined"));
        var left = Assert.Single(Array(moved, "left"));
        Assert.Equal((leaf, 1, "LEFT", $"no longer in {unit}"), ((string)left["account"]!, (int)left["target"]!, (string)left["kind"]!, (string)left["why"]!));
        Assert.Equal(2, (int)moved["accounts"]!);
        Assert.DoesNotContain(leaf, Array(await h.JsonAsync("status"), "accounts").Select(a => (string)a["account"]!));

        var text = await h.RunAsync("targets", "list");
        Assert.Equal(ExitCodes.Done, text.ExitCode);
        Assert.Contains($"1       {middle}  eu-west-1  share  {unit}/prod", text.Output, StringComparison.Ordinal);
        Assert.Contains($"0       {Listed}  eu-west-1  copy   listed", text.Output, StringComparison.Ordinal);
        Assert.Contains($"left    {leaf}", text.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("Last error", text.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_sync_organizations_refuses_exits_by_the_refusal_and_list_shows_the_last_error_while_a_policy_without_units_has_nothing_to_sync()
    {
        var organization = await MotoOrganization.OpenAsync(cloud.Servers.MotoUrl, HomeAccount);
        const string Missing = "ou-zzzz-zzzzzzzz";
        await using var h = await CliHarness.StartAsync(cloud.Servers, Policy(organization.Id, Missing));

        var failed = await h.RunAsync("targets", "sync");

        failed.AssertError(ExitCodes.NotFound, $"the sync failed: AWS Organizations has no {Missing} (ParentNotFoundException: You specified parent that doesn't exist.): "
            + "correct the targets' organizationalUnits (the 0 accounts resolved never stay targets)");
        var listed = await h.JsonAsync("targets", "list");
        Assert.StartsWith($"AWS Organizations has no {Missing}", (string?)listed["lastError"], StringComparison.Ordinal);
        Assert.Null((string?)listed["resolvedAt"]);
        Assert.Contains("Last error: AWS Organizations has no", (await h.RunAsync("targets", "list")).Output, StringComparison.Ordinal);

        var withoutUnits = Path.Combine(Path.GetTempPath(), $"amirepl-tests-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(withoutUnits, $$"""{"destinations":[{"region":"eu-west-1"}],"targets":[{"accounts":["{{Listed}}"],"regions":["eu-west-1"]}]}""");
        var nothing = await h.RunAsync("targets", "sync", "--policy-file", withoutUnits);
        File.Delete(withoutUnits);
        nothing.AssertError(ExitCodes.Usage, "no target names organizationalUnits: the targets are the accounts the policy lists, there is nothing to sync");
    }

    [Fact]
    public async Task List_and_show_mark_a_share_mode_targets_job_as_the_home_accounts_copy_shared()
    {
        const string Sharing = "222222222222";
        await using var h = await CliHarness.StartAsync(cloud.Servers, $$"""
            {"destinations":[{"region":"eu-west-1"}],"targets":[{"accounts":["{{Sharing}}"],"regions":["eu-west-1"],"mode":"share"}]}
            """);
        h.Replication.Simulator.Account(Sharing).CreateRole("AmiReplicatorSpoke", new RoleTrust(h.Replication.Simulator.AccountId));
        var imageId = await h.NewSourceAsync("golden-1");
        var jobs = await h.Replication.RunPollerUntilDoneAsync();
        var homeCopy = jobs.Single(j => j.Key.DestinationAccount is null).TargetImageId;
        Assert.All(jobs, j => Assert.Equal(AmiReplicator.Domain.Jobs.CopyJobState.Available, j.State));

        var list = await h.RunAsync("list", "--account", Sharing);
        var show = await h.RunAsync("show", imageId, "--account", Sharing);
        var json = Assert.Single(Array(await h.JsonAsync("list", "--account", Sharing), "jobs"));

        Assert.Contains($"{Sharing}/eu-west-1  AVAILABLE  {homeCopy} (shared)", list.Output, StringComparison.Ordinal);
        Assert.Contains($"  target          {homeCopy} (shared)", show.Output, StringComparison.Ordinal);
        Assert.Equal((homeCopy, true), ((string?)json["targetImageId"], (bool)json["shared"]!));
        Assert.DoesNotContain("(shared)", (await h.RunAsync("list", "--account", "home")).Output, StringComparison.Ordinal);
    }
}
