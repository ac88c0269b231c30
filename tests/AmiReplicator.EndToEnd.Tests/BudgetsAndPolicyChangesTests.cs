using Amazon.DynamoDBv2.Model;
using AmiReplicator.Contract;
using AmiReplicator.Domain.Jobs;
using AmiReplicator.LocalCloud;
using AmiReplicator.TestSupport;
using SeedImage = AmiReplicator.Ec2Simulator.SeedImage;

namespace AmiReplicator.EndToEnd.Tests;

/// <summary>
/// Budgets that hold when a person deletes the counters from the table (DynamoDB's items, rebuilt through its conditional writes);
/// the rest of the budgets and policy changes are in the workflow tests.
/// </summary>
[Collection(LocalCloudFixture.Collection)]
public class BudgetsAndPolicyChangesTests(LocalCloudFixture cloud)
{
    private static async Task<string> RequestAsync(LocalReplication h, string name, string region = "us-east-1")
    {
        var imageId = h.Simulator.SeedImage(region, new SeedImage { Name = name });
        await h.SendAsync($$"""{"sourceRegion":"{{region}}","sourceImageId":"{{imageId}}","requestedBy":"alice"}""");
        await h.DeliverAsync();
        h.Clock.Advance(TimeSpan.FromSeconds(1));
        return imageId;
    }

    [Fact]
    public async Task Counters_deleted_by_a_person_are_rebuilt_from_the_jobs_before_any_claim_passes_the_budget()
    {
        await using var h = await LocalReplication.StartAsync(cloud.Servers, """{"destinations":[{"region":"eu-west-1","maxInFlight":2}]}""",
            o => o with { CopyDuration = TimeSpan.FromMinutes(30) });
        await RequestAsync(h, "golden-1");
        await RequestAsync(h, "golden-2");
        Assert.Equal(2, h.Simulator.PendingCopies("eu-west-1"));
        foreach (var counter in await h.CountersAsync())
        {
            await h.Replicator.DynamoDb.DeleteItemAsync(new DeleteItemRequest
            {
                TableName = h.Replicator.Settings.TableName,
                Key = new()
                {
                    [JobTableSchema.PartitionKey] = new AttributeValue { S = "SLOT" },
                    [JobTableSchema.SortKey] = new AttributeValue { S = counter.Scope.ToString() },
                },
            });
        }

        Assert.Empty(await h.CountersAsync());
        await RequestAsync(h, "golden-3");
        h.Clock.Advance(TimeSpan.FromMinutes(1));
        await h.RunPollerAsync();
        await RequestAsync(h, "golden-4");

        Assert.Equal(2, h.Simulator.PeakPendingCopies("eu-west-1"));
        Assert.All(await h.CountersAsync(), c => Assert.Equal((2, 2), (c.InFlight, c.Holders.Count)));
        Assert.Contains("was missing: rebuilt from the 2 jobs holding its slots", h.Log.ToString(), StringComparison.Ordinal);
        var jobs = await h.RunPollerUntilDoneAsync();
        Assert.All(jobs, j => Assert.Equal(CopyJobState.Available, j.State));
        Assert.Equal(2, h.Simulator.PeakPendingCopies("eu-west-1"));
    }
}
