using AmiReplicator.Domain.Jobs;
using AmiReplicator.Domain.Policy;
using AmiReplicator.Ec2Simulator;
using AmiReplicator.LocalCloud;
using AmiReplicator.TestSupport;

namespace AmiReplicator.EndToEnd.Tests;

/// <summary>
/// Targets named by an organizational unit on the full local cloud: the real handlers, DynamoDB Local, moto's Organizations (the home
/// account is the organization's management account) and the EC2 simulator, with the spoke arriving in each account of the unit as the
/// StackSet's auto-deployment brings it (<see cref="SpokeStackSet"/>).
/// </summary>
[Collection(LocalCloudFixture.Collection)]
public sealed class OrganizationTargetsEndToEndTests(LocalCloudFixture cloud)
{
    [Fact]
    public async Task The_poller_syncs_an_OU_tree_a_new_AMI_reaches_its_accounts_and_an_account_moved_out_mid_distribution_ends_TARGET_REMOVED()
    {
        var organization = await MotoOrganization.OpenAsync(cloud.Servers.MotoUrl, new Ec2SimulatorOptions().AccountId);
        // 3 levels: the unit, prod and dev below it, web and data below each; 24 accounts over the 7 OUs, one more closed (SUSPENDED).
        var unit = await organization.CreateUnitAsync(organization.RootId, $"e2e-{Guid.NewGuid():N}"[..12]);
        var middle = new[] { await organization.CreateUnitAsync(unit, "prod"), await organization.CreateUnitAsync(unit, "dev") };
        var leaves = new List<string>();
        foreach (var parent in middle)
        {
            leaves.Add(await organization.CreateUnitAsync(parent, "web"));
            leaves.Add(await organization.CreateUnitAsync(parent, "data"));
        }

        var units = middle.Prepend(unit).Concat(leaves).ToList();
        var accounts = new List<string>();
        for (var i = 0; i < 24; i++)
        {
            accounts.Add(await organization.CreateAccountAsync(units[i % units.Count], $"e2e-{i}"));
        }

        var closed = await organization.CreateAccountAsync(leaves[0], "e2e-closed");
        await organization.CloseAccountAsync(closed);

        // Copies take 30 minutes, so the distribution outlasts a sync interval.
        await using var replication = await LocalReplication.StartAsync(cloud.Servers, $$"""
            {"destinations":[{"region":"eu-west-1"}],"organizationId":"{{organization.Id}}",
             "targets":[{"organizationalUnits":["{{unit}}"],"regions":["eu-west-1"],"maxInFlight":2}]}
            """, o => o with { CopyDuration = TimeSpan.FromMinutes(30) });
        var inUnit = accounts.ToHashSet(StringComparer.Ordinal);
        var stackSet = new SpokeStackSet(replication.Simulator, replication.Clock, TimeSpan.FromMinutes(5));

        await replication.RunPollerAsync();
        var list = await replication.Replicator.Aws.Ports.TargetLists!.GetAsync(CancellationToken.None);
        Assert.Equal(accounts.Order(StringComparer.Ordinal), list.Accounts.Select(a => a.Account).Order(StringComparer.Ordinal));
        Assert.Contains(list.Accounts, a => a.Source == $"{unit}/prod/web");
        Assert.Null(list.LastError);

        var source = replication.Simulator.SeedImage(LocalReplication.Home, new SeedImage { Name = "golden-1", Volumes = [new SeedVolume()] });
        await replication.SendAsync(LocalReplication.AvailableEvent(LocalReplication.Home, source, id: source));
        await replication.DeliverAsync();

        var leaving = accounts[^1];
        DateTimeOffset? movedAt = null;
        var jobs = await replication.RunPollerUntilDoneAsync(eachMinute: async () =>
        {
            stackSet.Deploy(inUnit);
            await replication.DeliverAsync();
            if (movedAt is null && (await replication.JobsAsync()).Any(j => j.Key.DestinationAccount == leaving && j.State == CopyJobState.Copying))
            {
                await organization.MoveAccountAsync(leaving, units[(accounts.Count - 1) % units.Count], organization.RootId);
                inUnit.Remove(leaving);
                movedAt = replication.Clock.GetUtcNow();
            }
        });

        Assert.NotNull(movedAt);
        Assert.Equal(25, jobs.Count);
        var removed = Assert.Single(jobs, j => j.Key.DestinationAccount == leaving);
        Assert.Equal((CopyJobState.Cancelled, FailureCodes.TargetRemoved), (removed.State, removed.FailureCode));
        // The copy it was making is its own and stays.
        Assert.NotNull(removed.TargetImageId);
        Assert.Equal(leaving, replication.Simulator.FindImage("eu-west-1", removed.TargetImageId!)?.OwnerId);
        var reached = jobs.Where(j => j.Key.DestinationAccount is { } a && a != leaving).ToList();
        Assert.Equal(accounts.SkipLast(1).Order(StringComparer.Ordinal), reached.Select(j => j.Key.DestinationAccount!).Order(StringComparer.Ordinal));
        Assert.All(reached, j => Assert.Equal(CopyJobState.Available, j.State));
        Assert.All(reached, j => Assert.Equal(j.Key.DestinationAccount, replication.Simulator.FindImage("eu-west-1", j.TargetImageId!)?.OwnerId));
        Assert.Equal(CopyJobState.Available, jobs.Single(j => j.Key.DestinationAccount is null).State);

        var after = await replication.Replicator.Aws.Ports.TargetLists!.GetAsync(CancellationToken.None);
        Assert.DoesNotContain(after.Accounts, a => a.Account == leaving);
        Assert.Contains(after.Changes, c => c is { Kind: TargetChangeKind.Left } && c.Account == leaving && c.At > movedAt);
    }
}
