using Amazon.DynamoDBv2.Model;
using AmiReplicator.Contract;
using AmiReplicator.Domain.Jobs;
using AmiReplicator.Ec2Simulator;
using AmiReplicator.LocalCloud;
using AmiReplicator.TestSupport;

namespace AmiReplicator.EndToEnd.Tests;

/// <summary>
/// AMIs and settings that real accounts have, and the refusals EC2 answers them with: none of them stalls a destination, fails a
/// copy that can be made, or leaves a job holding its slots. Each refusal is the simulator's, modelled as EC2 answers it. Here the
/// cases that need the real services (a partial batch response and the DLQ, a job item deleted from the table); the rest are in
/// the workflow tests.
/// </summary>
[Collection(LocalCloudFixture.Collection)]
public class RealAccountInputsTests(LocalCloudFixture cloud)
{
    private const string Consumer = "111122223333";

    private static async Task RequestAsync(LocalReplication h, string region, string imageId)
    {
        await h.SendAsync($$"""{"sourceRegion":"{{region}}","sourceImageId":"{{imageId}}","requestedBy":"alice"}""");
        await h.DeliverAsync();
    }

    [Fact]
    public async Task A_finishing_error_on_a_copys_own_event_is_recorded_on_the_job_and_the_event_is_not_dead_lettered()
    {
        await using var h = await LocalReplication.StartAsync(cloud.Servers, """{"destinations":[{"region":"eu-west-1"}]}""");
        var source = h.Simulator.SeedImage("us-east-1", new SeedImage { Name = "golden-1", LaunchPermissions = [LaunchPermissionEntry.ForAccount(Consumer)] });
        await RequestAsync(h, "us-east-1", source);
        await h.SendEc2EventsAsync();
        await h.DeliverAsync();
        h.Simulator.InjectFault("eu-west-1", "ModifyImageAttribute", 1000, ApiFault.InternalError);

        h.Clock.Advance(TimeSpan.FromMinutes(5));
        Assert.True(await h.SendEc2EventsAsync() > 0);
        var outcome = await h.EventSource.PollOnceAsync(h.Replicator.Dispatcher.HandleJsonAsync, CancellationToken.None);

        Assert.Empty(outcome.FailedMessageIds);
        Assert.Empty(await h.DeadLettersAsync());
        var job = Assert.Single(await h.JobsAsync());
        Assert.Equal((CopyJobState.Copying, 1), (job.State, job.StepFailures));
        Assert.StartsWith("applying launch permissions, tags and deprecation failed (sharing the copy)", job.LastError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_copy_whose_job_was_lost_is_adopted_when_the_source_is_asked_for_again_not_copied_twice()
    {
        await using var h = await LocalReplication.StartAsync(cloud.Servers, """{"destinations":[{"region":"eu-west-1"}]}""");
        var source = h.Simulator.SeedImage("us-east-1", new SeedImage { Name = "golden-1" });
        // The first attempt fails, so the copy that stands was made by attempt 2: asking again (attempt 1) sends another token.
        h.Simulator.FailNextCopies("eu-west-1", 1);
        await RequestAsync(h, "us-east-1", source);
        var first = Assert.Single(await h.RunPollerUntilDoneAsync());
        Assert.Equal((CopyJobState.Available, 2), (first.State, first.Attempt));
        await h.Replicator.DynamoDb.DeleteItemAsync(new DeleteItemRequest
        {
            TableName = h.Replicator.Settings.TableName,
            Key = new()
            {
                [JobTableSchema.PartitionKey] = new AttributeValue { S = $"JOB#us-east-1#{source}" },
                [JobTableSchema.SortKey] = new AttributeValue { S = "DEST#eu-west-1" },
            },
        });

        await RequestAsync(h, "us-east-1", source);
        var adopted = Assert.Single(await h.RunPollerUntilDoneAsync());

        Assert.Equal((CopyJobState.Available, first.TargetImageId), (adopted.State, adopted.TargetImageId));
        Assert.Contains(adopted.Notes, n => n.StartsWith($"adopted {first.TargetImageId}", StringComparison.Ordinal));
        Assert.Single(h.Simulator.Images("eu-west-1"), i => i.State != "deregistered");
    }
}
