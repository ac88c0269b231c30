using System.Collections.Concurrent;
using System.Globalization;
using Amazon.DynamoDBv2.Model;
using AmiReplicator.Aws.DynamoDb;
using AmiReplicator.Aws.Ec2;
using AmiReplicator.Contract;
using AmiReplicator.Domain.Images;
using AmiReplicator.Domain.Jobs;
using AmiReplicator.Domain.Slots;
using AmiReplicator.Ec2Simulator;
using AmiReplicator.LocalCloud;
using AmiReplicator.Resilience.Tests.Faults;
using DeleteTagsRequest = Amazon.EC2.Model.DeleteTagsRequest;
using Ec2Tag = Amazon.EC2.Model.Tag;
using ImageInfo = AmiReplicator.Domain.Images.ImageInfo;
using LaunchPermission = AmiReplicator.Domain.Images.LaunchPermission;

namespace AmiReplicator.Resilience.Tests;

/// <summary>
/// One replication, minute by minute on the virtual clock, through workers whose store and gateway go through a
/// <see cref="CrashPlan"/>; once the plan has killed a worker, the real handlers (<see cref="LocalReplication.Replicator"/>) run on.
/// It takes every path the design has, so that each is a step boundary to crash at:
/// <list type="bullet">
/// <item>AMIs A and B to eu-west-1 (budget 1) and eu-central-1 (budget 2), C (shared from another account, its snapshots not
/// readable) to eu-west-1 by hand: EC2 refuses to copy it, it fails, a second request by hand retries it and it fails again;</item>
/// <item>two counters inherited drifted (a holder that is no job, an InFlight with no holders): the reconciler repairs them;</item>
/// <item>other tools fill eu-west-1's copy limit for the first two minutes: back-pressure, the destination backs off;</item>
/// <item>the answer to the poller's first CopyImage into eu-central-1 is lost (it started the copy): the claim is repeated with its token;</item>
/// <item>the first copy into eu-central-1 fails and is retried (its failed image deregistered first);</item>
/// <item>a tag is removed from the pending copies in eu-central-1 and the finisher puts it back;</item>
/// <item>copies into eu-west-1 are finished by their own EC2 event through the dispatcher, those into eu-central-1 by the poller;</item>
/// <item>A and B have the same name: the second copy into each destination finds it taken and is renamed.</item>
/// <item>a target account copies A and B into eu-central-1 in the rollout's last wave: its jobs are held until the home account's
/// copies (wave 1, with a canary account that is not a target here) are available, then let go by the poller, then copied from
/// the home copy through the account's spoke role.</item>
/// </list>
/// </summary>
public sealed class CrashScenario : IAsyncDisposable
{
    public const string PolicyJson = """
        {"destinations":[{"region":"eu-west-1","maxInFlight":1},{"region":"eu-central-1","maxInFlight":2}],
         "tags":{"copied-by":"ami-replicator"},"retries":{"maxAttempts":3,"backoffSeconds":60},"shareSnapshots":true,
         "retention":{"keepLatest":50,"familyTag":"copied-by"},
         "targets":[{"accounts":["111111111111"],"regions":["eu-central-1"],"maxInFlight":1}],
         "rollout":{"waves":[{"accounts":["222222222222"]}]}}
        """;

    public const string TargetAccount = "111111111111";

    public const string Source = "us-east-1";
    public const int MaxMinutes = 40;
    public const int SecondRequestMinute = 6;
    public const int Ec2Limit = 10;
    public static readonly string[] Destinations = ["eu-west-1", "eu-central-1"];

    /// <summary>Fixed ids, so that jobs created in the same instant list in the same order in every run.</summary>
    public static readonly string[] Replicated = ["ami-0aaaaaaaaaaaaaaaa", "ami-0bbbbbbbbbbbbbbbb"];

    public const string Refused = "ami-0cccccccccccccccc";
    public static readonly CopyJobKey RefusedJob = new(Source, Refused, "eu-west-1");

    /// <summary>Inherited drift: a holder that is no job (DEST#eu-central-1), and an InFlight with no holders (this pair).</summary>
    public static readonly CopyJobKey Ghost = new(Source, "ami-0000000000000dead", "eu-central-1");

    public static readonly SlotScope DriftedInFlight = SlotScope.Pair(Source, CopyDestination.Home("eu-west-1"));
    public const int DriftedInFlightValue = 3;

    public static readonly DateTimeOffset DeprecateAt = new(2027, 11, 25, 8, 0, 0, TimeSpan.Zero);
    public static readonly LaunchPermissionEntry[] SourcePermissions =
    [
        LaunchPermissionEntry.ForAccount("111122223333"),
        LaunchPermissionEntry.ForOrganization("arn:aws:organizations::123456789012:organization/o-abc123def4"),
    ];

    private readonly ConcurrentQueue<ImageStateChange> _copyEvents = new();
    private readonly Ec2Clients _clients;
    private readonly LostCopyImageAnswer _lostAnswer;
    private readonly Workers _faulty;
    private readonly Workers _clean;
    private IDisposable? _otherTools;

    private CrashScenario(LocalReplication local, CrashPlan plan)
    {
        Local = local;
        Plan = plan;
        _clients = new Ec2Clients(local.Simulator.Endpoint, LocalReplication.Credentials);
        _lostAnswer = new LostCopyImageAnswer(new Ec2ImageGateway(_clients), "eu-central-1");
        _faulty = Workers.Compose(
            new FaultyJobStore(local.Replicator.Store, plan),
            new FaultyImageGateway(_lostAnswer, plan),
            local.DeadLetterQueue, local.RequestQueue, local.Replicator.Settings, local.Clock, local.Logging,
            lifecycle: new Ec2ImageGateway(_clients), targets: local.Replicator.Aws.Ports.Targets);
        _clean = Workers.Of(local.Replicator);
        // EventBridge forwards the available events of eu-west-1 only: the copies into eu-central-1 are left to the poller.
        local.Simulator.ImageStateChanged += (_, change) =>
        {
            if (change.Region == "eu-west-1" && change.State == "available")
            {
                _copyEvents.Enqueue(change);
            }
        };
    }

    public LocalReplication Local { get; }
    public CrashPlan Plan { get; }

    /// <summary>Jobs and counters right after the crash (null when nothing crashed).</summary>
    public (IReadOnlyList<CopyJob> Jobs, IReadOnlyList<SlotCounter> Counters)? AtCrash { get; private set; }

    /// <summary>The job whose CopyImage answer was lost before any crash (its claim must be repaired), if that happened.</summary>
    public CopyJobKey? LostAnswerJob => _lostAnswer.Struck;

    /// <summary>The target account's jobs: held for the last wave when made.</summary>
    public static IEnumerable<CopyJobKey> TargetJobs => Replicated.Select(id => CopyJobKey.Into(Source, id, new CopyDestination("eu-central-1", TargetAccount)));

    public static IEnumerable<CopyJobKey> ExpectedJobs =>
        Replicated.SelectMany(id => Destinations.Select(d => new CopyJobKey(Source, id, d))).Append(RefusedJob).Concat(TargetJobs);

    public static async Task<CrashScenario> StartAsync(LocalCloudServers servers, CrashPlan plan)
    {
        var local = await LocalReplication.StartAsync(servers, PolicyJson,
            o => o with { CopyDuration = TimeSpan.FromMinutes(2), MaxConcurrentCopiesPerDestination = Ec2Limit, MaxConcurrentCopiesPerSourceRegion = Ec2Limit },
            maxReceiveCount: 5);
        return new CrashScenario(local, plan);
    }

    /// <summary>Runs until every job is done (or fails the test after <see cref="MaxMinutes"/> virtual minutes).</summary>
    public async Task RunAsync()
    {
        var h = Local;
        for (var i = 0; i < Replicated.Length; i++)
        {
            h.Simulator.SeedImage(Source, new SeedImage
            {
                ImageId = Replicated[i],
                // One name for both: the second copy into each destination finds it taken and takes the disambiguated one.
                Name = "golden",
                Tags = new Dictionary<string, string> { ["team"] = "platform", ["Name"] = $"golden-{i}" },
                LaunchPermissions = SourcePermissions,
                DeprecationTime = DeprecateAt,
                Volumes = [new SeedVolume { Tags = new Dictionary<string, string> { ["backup"] = "daily" } }],
            });
        }

        h.Simulator.SeedImage(Source, new SeedImage
        {
            ImageId = Refused,
            Name = "vendor-image",
            OwnerId = "999988887777",
            StorageReadable = false,
            LaunchPermissions = [LaunchPermissionEntry.ForAccount(h.Simulator.AccountId)],
        });
        h.Simulator.Account(TargetAccount).CreateRole("AmiReplicatorSpoke", new RoleTrust(h.Simulator.AccountId));
        await SeedDriftAsync();
        h.Simulator.FailNextCopies("eu-central-1", 1);
        _otherTools = h.Simulator.OccupyCopySlots("eu-west-1", Ec2Limit);
        foreach (var id in Replicated)
        {
            await h.SendAsync(LocalReplication.AvailableEvent(Source, id, id));
        }

        await h.SendAsync(RequestByHand(Refused, "eu-west-1"));

        for (var minute = 0; minute < MaxMinutes; minute++)
        {
            if (minute > 0)
            {
                h.Clock.Advance(TimeSpan.FromMinutes(1));
            }

            if (minute == 1)
            {
                await RemoveTagFromPendingCopiesAsync("eu-central-1", "team");
            }

            if (minute == 2)
            {
                _otherTools.Dispose();
            }

            if (minute == SecondRequestMinute)
            {
                await h.SendAsync(RequestByHand(Refused, "eu-west-1"));
            }

            await ForwardCopyEventsAsync();
            await InvokeAsync(Actor.Dispatcher, DeliverAllAsync);
            await InvokeAsync(Actor.Poller, w => w.Poller.RunAsync(CancellationToken.None));

            var jobs = await h.JobsAsync();
            if (minute >= SecondRequestMinute && jobs.Count == ExpectedJobs.Count() && jobs.All(j => j.State.IsTerminal()))
            {
                await ForwardCopyEventsAsync();
                await InvokeAsync(Actor.Dispatcher, DeliverAllAsync);
                return;
            }
        }

        throw new TimeoutException($"Jobs not done after {MaxMinutes} virtual minutes:\n"
            + string.Join("\n", (await h.JobsAsync()).Select(j => $"{j.Key} {j.State} {j.LastError}")));
    }

    private static string RequestByHand(string imageId, string destination) =>
        $$"""{"sourceRegion":"{{Source}}","sourceImageId":"{{imageId}}","destinations":["{{destination}}"],"requestedBy":"alice","reason":"backfill"}""";

    /// <summary>One invocation of a handler: through the crash plan until it has killed a worker, then through the real handlers.</summary>
    private async Task InvokeAsync(string actor, Func<Workers, Task> invocation)
    {
        if (Plan.Crashed)
        {
            await Actor.RunAsync(actor, () => invocation(_clean));
            return;
        }

        try
        {
            await Actor.RunAsync(actor, () => invocation(_faulty));
        }
        catch (SimulatedCrash)
        {
            AtCrash = (await Local.JobsAsync(), await Local.CountersAsync());
        }
    }

    /// <summary>Hands every visible message to the dispatcher, as Lambda's event source mapping does.</summary>
    private async Task DeliverAllAsync(Workers workers)
    {
        for (var batch = 0; batch < 20; batch++)
        {
            var outcome = await Local.EventSource.PollOnceAsync(workers.Dispatcher.HandleJsonAsync, CancellationToken.None);
            if (outcome.Delivered == 0)
            {
                return;
            }
        }
    }

    /// <summary>EC2 publishes a copy's state change when it next looks at the clock; EventBridge puts it on the queue.</summary>
    private async Task ForwardCopyEventsAsync()
    {
        _ = Local.Simulator.PendingCopies("eu-west-1");
        while (_copyEvents.TryDequeue(out var change))
        {
            await Local.SendAsync(change.ToEventBridgeJson());
        }
    }

    private async Task RemoveTagFromPendingCopiesAsync(string region, string key)
    {
        var pending = Invariants.Copies(Local.Simulator, region).Where(i => i.State == "pending").Select(i => i.ImageId).ToList();
        if (pending.Count > 0)
        {
            await Local.Ec2(region).DeleteTagsAsync(new DeleteTagsRequest { Resources = pending, Tags = [new Ec2Tag(key)] });
        }
    }

    private async Task SeedDriftAsync()
    {
        var table = Local.Replicator.Settings.TableName;
        await Local.Replicator.DynamoDb.PutItemAsync(new PutItemRequest
        {
            TableName = table,
            Item = new()
            {
                [JobTableSchema.PartitionKey] = new AttributeValue { S = "SLOT" },
                [JobTableSchema.SortKey] = new AttributeValue { S = SlotScope.All(CopyDestination.Home(Ghost.DestinationRegion)).ToString() },
                ["InFlight"] = new AttributeValue { N = "1" },
                ["Holders"] = new AttributeValue { SS = [Ghost.HolderId] },
            },
        });
        await Local.Replicator.DynamoDb.PutItemAsync(new PutItemRequest
        {
            TableName = table,
            Item = new()
            {
                [JobTableSchema.PartitionKey] = new AttributeValue { S = "SLOT" },
                [JobTableSchema.SortKey] = new AttributeValue { S = DriftedInFlight.ToString() },
                ["InFlight"] = new AttributeValue { N = DriftedInFlightValue.ToString(CultureInfo.InvariantCulture) },
            },
        });
    }

    /// <summary>A counter as it would be without the inherited drift not repaired yet: no ghost holder, no InFlight with no holders.</summary>
    public static SlotCounter LessSeededDrift(SlotCounter counter) => counter switch
    {
        _ when counter.Holders.Contains(Ghost) => counter with { InFlight = counter.InFlight - 1, Holders = counter.Holders.Where(h => h != Ghost).ToHashSet() },
        { InFlight: DriftedInFlightValue, Holders.Count: 0 } when counter.Scope == DriftedInFlight => counter with { InFlight = 0 },
        _ => counter,
    };

    public async ValueTask DisposeAsync()
    {
        _otherTools?.Dispose();
        _clients.Dispose();
        await Local.DisposeAsync();
    }

    /// <summary>The first CopyImage into the region starts the copy, but its answer is lost: the caller sees the SDK give up.</summary>
    private sealed class LostCopyImageAnswer(IImageGateway inner, string region) : IImageGateway
    {
        public CopyJobKey? Struck { get; private set; }

        public async Task<string> CopyImageAsync(CopyImageCommand command, CancellationToken cancellationToken)
        {
            var imageId = await inner.CopyImageAsync(command, cancellationToken);
            if (Struck is null && command.DestinationRegion == region && Actor.Name == Actor.Poller)
            {
                Struck = new CopyJobKey(command.SourceRegion, command.SourceImageId, command.DestinationRegion);
                throw new ImageServiceException(Ec2ErrorKind.Transient, "RequestLimitExceeded", "Request limit exceeded (the SDK's retries ran out; the copy had started)");
            }

            return imageId;
        }

        public Task<ImageInfo?> DescribeImageAsync(string region, string imageId, CancellationToken cancellationToken) =>
            inner.DescribeImageAsync(region, imageId, cancellationToken);

        public Task<IReadOnlyDictionary<string, ImageInfo>> DescribeImagesAsync(string region, IReadOnlyCollection<string> imageIds, CancellationToken cancellationToken) =>
            inner.DescribeImagesAsync(region, imageIds, cancellationToken);

        public Task<IReadOnlyList<LaunchPermission>> GetLaunchPermissionsAsync(string region, string imageId, CancellationToken cancellationToken) =>
            inner.GetLaunchPermissionsAsync(region, imageId, cancellationToken);

        public Task AddLaunchPermissionsAsync(string region, string imageId, IReadOnlyCollection<LaunchPermission> permissions, CancellationToken cancellationToken) =>
            inner.AddLaunchPermissionsAsync(region, imageId, permissions, cancellationToken);

        public Task<IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>>> GetSnapshotTagsAsync(string region, IReadOnlyCollection<string> snapshotIds,
            CancellationToken cancellationToken) =>
            inner.GetSnapshotTagsAsync(region, snapshotIds, cancellationToken);

        public Task AddCreateVolumePermissionsAsync(string region, string snapshotId, IReadOnlyCollection<string> accountIds, CancellationToken cancellationToken) =>
            inner.AddCreateVolumePermissionsAsync(region, snapshotId, accountIds, cancellationToken);

        public Task CreateTagsAsync(string region, IReadOnlyCollection<string> resourceIds, IReadOnlyDictionary<string, string> tags, CancellationToken cancellationToken) =>
            inner.CreateTagsAsync(region, resourceIds, tags, cancellationToken);

        public Task DeregisterImageAsync(string region, string imageId, CancellationToken cancellationToken) =>
            inner.DeregisterImageAsync(region, imageId, cancellationToken);

        public IAsyncEnumerable<ImageInfo> ListAvailableImagesAsync(string region, IReadOnlyCollection<string> owners, IReadOnlyCollection<string> namePatterns,
            IReadOnlyDictionary<string, string> tags, CancellationToken cancellationToken) =>
            inner.ListAvailableImagesAsync(region, owners, namePatterns, tags, cancellationToken);

        public Task<ImageInfo?> FindOwnImageByNameAsync(string region, string name, CancellationToken cancellationToken) =>
            inner.FindOwnImageByNameAsync(region, name, cancellationToken);

        public Task EnableDeprecationAsync(string region, string imageId, DateTimeOffset deprecateAt, CancellationToken cancellationToken) =>
            inner.EnableDeprecationAsync(region, imageId, deprecateAt, cancellationToken);
    }
}
