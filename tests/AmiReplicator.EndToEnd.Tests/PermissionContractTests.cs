using System.Text.Json.Nodes;
using Amazon.DynamoDBv2.Model;
using Amazon.EC2.Model;
using AmiReplicator.Contract;
using AmiReplicator.Domain.Jobs;
using AmiReplicator.Domain.Slots;
using AmiReplicator.Ec2Simulator;
using AmiReplicator.LocalCloud;
using AmiReplicator.LocalCloud.Permissions;
using AmiReplicator.TestSupport;

namespace AmiReplicator.EndToEnd.Tests;

/// <summary>
/// The local harness holds each function's AWS calls to its part of the permission contract (aws-permissions.json), as IAM
/// holds them to the stack's policies: these tests reach the paths no other test takes, and show a missing entry failing.
/// </summary>
[Collection(LocalCloudFixture.Collection)]
public class PermissionContractTests(LocalCloudFixture cloud)
{
    private const string Source = "us-east-1";
    private const string Destination = "eu-west-1";

    [Fact]
    public async Task Both_functions_encrypt_copies_with_the_destination_key_through_ec2()
    {
        await using var h = await LocalReplication.StartAsync(cloud.Servers,
            """{"destinations":[{"region":"eu-west-1","encrypted":true,"kmsKeyId":"alias/ami-copies","maxInFlight":1}]}""");
        var key = h.Simulator.CreateKmsKey(Destination, "alias/ami-copies");
        var sources = Enumerable.Range(1, 2).Select(i => h.Simulator.SeedImage(Source, new SeedImage { Name = $"golden-{i}" })).ToList();
        foreach (var id in sources)
        {
            await h.SendAsync(LocalReplication.AvailableEvent(Source, id, id));
        }

        // The dispatcher starts the first copy; the second waits for the budget of one and the poller starts it.
        await h.DeliverAsync();
        await h.RunPollerUntilDoneAsync();

        Assert.All(await h.JobsAsync(), j => Assert.Equal(CopyJobState.Available, j.State));
        var snapshots = h.Simulator.Images(Destination).SelectMany(i => i.BlockDevices).ToList();
        Assert.Equal(2, snapshots.Count);
        Assert.All(snapshots, s => Assert.Equal(key, s.KmsKeyId));
        foreach (var function in ReplicatorFunctions.All)
        {
            Assert.All(PermissionCheck.EbsKeyActions, action =>
                Assert.True(h.Permissions.Observed.ContainsKey((function, new AwsPermission(action, PermissionScope.DestinationKey))), $"{function}: {action}"));
        }
    }

    [Fact]
    public async Task A_copy_event_for_a_copy_that_lost_a_tag_has_the_dispatcher_tag_it_again()
    {
        await using var h = await LocalReplication.StartAsync(cloud.Servers, """{"destinations":[{"region":"eu-west-1"}]}""");
        var source = h.Simulator.SeedImage(Source, new SeedImage { Name = "golden-1", Tags = new Dictionary<string, string> { ["team"] = "platform" } });
        await h.SendAsync(LocalReplication.AvailableEvent(Source, source, source));
        await h.DeliverAsync();
        var copy = Assert.Single(h.Simulator.Images(Destination)).ImageId;
        await h.Ec2(Destination).DeleteTagsAsync(new DeleteTagsRequest { Resources = [copy], Tags = [new Amazon.EC2.Model.Tag("team")] });

        h.Clock.Advance(TimeSpan.FromMinutes(10));
        Assert.True(await h.SendEc2EventsAsync() > 0);
        await h.DeliverAsync();

        Assert.Equal(CopyJobState.Available, Assert.Single(await h.JobsAsync()).State);
        Assert.Equal("platform", h.Simulator.FindImage(Destination, copy)!.Tags["team"]);
        Assert.Contains((ReplicatorFunctions.Dispatcher, new AwsPermission("ec2:CreateTags", PermissionScope.Copy)), h.Permissions.Observed.Keys);
    }

    [Fact]
    public async Task Each_function_is_held_to_its_own_part_of_the_contract()
    {
        await using var h = await LocalReplication.StartAsync(cloud.Servers, """{"destinations":[{"region":"eu-west-1"}]}""");
        var source = h.Simulator.SeedImage(Source, new SeedImage { Name = "golden-1", LaunchPermissions = [LaunchPermissionEntry.ForAccount("111122223333")] });
        await h.SendAsync(LocalReplication.AvailableEvent(Source, source, source));
        await h.DeliverAsync();
        await h.RunPollerUntilDoneAsync();

        var byFunction = h.Permissions.Observed.Keys.ToLookup(k => k.Function, k => k.Permission);
        // The dispatcher started the copy; the poller read the counters and finished the copy.
        Assert.Contains(new AwsPermission("ec2:CopyImage", PermissionScope.DestinationRegion), byFunction[ReplicatorFunctions.Dispatcher]);
        Assert.DoesNotContain(new AwsPermission("ec2:CopyImage", PermissionScope.DestinationRegion), byFunction[ReplicatorFunctions.Poller]);
        Assert.Contains(new AwsPermission("dynamodb:Query", PermissionScope.Table), byFunction[ReplicatorFunctions.Poller]);
        Assert.Contains(new AwsPermission("ec2:ModifyImageAttribute", PermissionScope.Copy), byFunction[ReplicatorFunctions.Poller]);
        Assert.All(ReplicatorFunctions.All, f => Assert.Subset(PermissionContract.Current.CallsOf(f).ToHashSet(), byFunction[f].ToHashSet()));
    }

    [Fact]
    public async Task A_call_missing_from_the_contract_is_refused_as_iam_would_and_fails_the_run()
    {
        var withoutConditionChecks = ContractWithout(ReplicatorFunctions.Poller, "dynamodb:ConditionCheckItem table");
        var h = await LocalReplication.StartAsync(cloud.Servers, """{"destinations":[{"region":"eu-west-1"}]}""", permissionContract: withoutConditionChecks);
        // A counter holding a job that does not exist: the poller's repair is a transaction that checks the job is still absent.
        var ghost = new CopyJobKey(Source, "ami-0123456789abcdef0", Destination);
        await h.Replicator.DynamoDb.PutItemAsync(new PutItemRequest
        {
            TableName = h.Replicator.Settings.TableName,
            Item = new()
            {
                [JobTableSchema.PartitionKey] = new AttributeValue { S = "SLOT" },
                [JobTableSchema.SortKey] = new AttributeValue { S = SlotScope.All(CopyDestination.Home(Destination)).ToString() },
                ["InFlight"] = new AttributeValue { N = "1" },
                ["Holders"] = new AttributeValue { SS = [ghost.HolderId] },
            },
        });

        await Assert.ThrowsAnyAsync<Exception>(() => h.RunPollerAsync());

        var counter = Assert.Single(await h.CountersAsync(), c => c.Scope == SlotScope.All(CopyDestination.Home(Destination)));
        Assert.Contains(ghost, counter.Holders);
        Assert.Contains("dynamodb:ConditionCheckItem table", h.Log.ToString(), StringComparison.Ordinal);
        var failure = await Assert.ThrowsAsync<PermissionContractException>(async () => await h.DisposeAsync());
        Assert.Contains("the poller called dynamodb TransactWriteItems in us-east-1, which needs \"dynamodb:ConditionCheckItem table\"", failure.Message, StringComparison.Ordinal);
    }

    /// <summary>The repository's contract with one entry taken out of one function's calls.</summary>
    private static PermissionContract ContractWithout(string function, string permission)
    {
        var json = JsonNode.Parse(ContractText(), documentOptions: new System.Text.Json.JsonDocumentOptions { CommentHandling = System.Text.Json.JsonCommentHandling.Skip })!;
        var calls = json[function]!["calls"]!.AsArray();
        calls.Remove(calls.Single(c => (string?)c == permission));
        return PermissionContract.Parse(json.ToJsonString());
    }

    private static string ContractText() =>
        File.ReadAllText(Path.Combine(RepositoryRoot.Find(), "functions", "AmiReplicator.Contract", PermissionContract.FileName));
}
