using Amazon.EC2;
using Amazon.Runtime;
using Amazon.SQS;
using Amazon.SQS.Model;
using AmiReplicator.Contract;
using AmiReplicator.Domain.Jobs;
using AmiReplicator.Domain.Policy;
using AmiReplicator.Domain.Workflows;
using AmiReplicator.DynamoDb;
using AmiReplicator.Ec2;
using AmiReplicator.Ec2Simulator;
using AmiReplicator.Functions;
using AmiReplicator.LocalCloud.Permissions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace AmiReplicator.LocalCloud;

/// <summary>
/// The replicator on the local cloud: its own table and queues, an in-process EC2 simulator on a virtual clock,
/// and the real handlers fed by a local SQS event source. Used by the local run and the end-to-end tests.
/// </summary>
public sealed class LocalReplication : IAsyncDisposable
{
    public const string Home = "us-east-1";
    public static readonly AWSCredentials Credentials = new BasicAWSCredentials("test", "test");

    private readonly Ec2Clients _ec2Clients;
    private int _ec2EventsSent;

    private LocalReplication(FakeTimeProvider clock, Ec2Simulator.Ec2Simulator simulator, PermissionCheck permissions, Replicator replicator,
        AmazonSQSClient sqs, LocalQueues queues, StringWriter log, ILoggerFactory logging)
    {
        Clock = clock;
        Permissions = permissions;
        Simulator = simulator;
        Replicator = replicator;
        Sqs = sqs;
        Queues = queues;
        Log = log;
        Logging = logging;
        EventSource = new SqsEventSource(sqs, queues.QueueUrl, queues.QueueArn, Home);
        _ec2Clients = new Ec2Clients(simulator.Endpoint, Credentials);
    }

    public FakeTimeProvider Clock { get; }
    public Ec2Simulator.Ec2Simulator Simulator { get; }

    /// <summary>The permission contract applied to the functions' calls; a call outside it fails <see cref="DisposeAsync"/>.</summary>
    public PermissionCheck Permissions { get; }
    public Replicator Replicator { get; }
    public AmazonSQSClient Sqs { get; }
    public LocalQueues Queues { get; }
    public SqsEventSource EventSource { get; }
    public StringWriter Log { get; }
    public ILoggerFactory Logging { get; }

    /// <summary>A real EC2 client on the simulator, as a person or another tool would use it.</summary>
    public IAmazonEC2 Ec2(string region) => _ec2Clients.For(region);

    public static async Task<LocalReplication> StartAsync(
        LocalCloudServers cloud, string policyJson, Func<Ec2SimulatorOptions, Ec2SimulatorOptions>? simulatorOptions = null,
        int maxReceiveCount = 3, PollerOptions? pollerOptions = null, PermissionContract? permissionContract = null)
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 11, 25, 8, 0, 0, TimeSpan.Zero));
        var options = new Ec2SimulatorOptions { Clock = clock, CopyDuration = TimeSpan.FromMinutes(5) };
        var simulator = await Ec2Simulator.Ec2Simulator.StartAsync(simulatorOptions?.Invoke(options) ?? options);

        var name = $"amirepl-{Guid.NewGuid():N}"[..24];
        var settings = new ReplicatorSettings(name, ReplicationPolicy.Parse(policyJson), simulator.AccountId, Home,
            simulator.Endpoint, cloud.DynamoDbUrl);
        var permissions = PermissionCheck.Start(settings.Policy, name, simulator, permissionContract);
        var log = new StringWriter();
        var sink = TextWriter.Synchronized(log);
        var logging = LoggerFactory.Create(b => b.AddProvider(new JsonLineLoggerProvider(sink)));
        var replicator = new Replicator(settings, clock, logging, pollerOptions, Credentials, metrics: sink);
        await JobTable.CreateIfMissingAsync(replicator.DynamoDb, name, CancellationToken.None);

        var sqs = new AmazonSQSClient(Credentials, new AmazonSQSConfig { ServiceURL = cloud.MotoUrl.ToString(), AuthenticationRegion = Home });
        var queues = await LocalQueues.CreateAsync(sqs, name, maxReceiveCount, TimeSpan.Zero);
        return new LocalReplication(clock, simulator, permissions, replicator, sqs, queues, log, logging);
    }

    public Task SendAsync(string body) => Sqs.SendMessageAsync(Queues.QueueUrl, body);

    /// <summary>
    /// Enqueues the EC2 events the simulator emitted since the last call, as the stack's rules do (sources' and
    /// copies' own events alike); answers how many.
    /// </summary>
    public async Task<int> SendEc2EventsAsync()
    {
        var changes = Simulator.StateChanges();
        var fresh = changes.Skip(_ec2EventsSent).ToList();
        _ec2EventsSent = changes.Count;
        foreach (var change in fresh)
        {
            await SendAsync(change.ToEventBridgeJson());
        }

        return fresh.Count;
    }

    /// <summary>Hands every visible message to the dispatcher, as Lambda would, until the queue has none left visible.</summary>
    public async Task<int> DeliverAsync(int maxBatches = 50)
    {
        var delivered = 0;
        for (var i = 0; i < maxBatches; i++)
        {
            var outcome = await EventSource.PollOnceAsync(Replicator.Dispatcher.HandleJsonAsync, CancellationToken.None);
            if (outcome.Delivered == 0)
            {
                break;
            }

            delivered += outcome.Delivered;
        }

        return delivered;
    }

    /// <summary>Lets virtual time pass a minute at a time, running the poller each minute, until every job is done.</summary>
    public async Task<IReadOnlyList<CopyJob>> RunPollerUntilDoneAsync(int maxMinutes = 240, Func<Task>? eachMinute = null)
    {
        for (var minute = 0; minute < maxMinutes; minute++)
        {
            var jobs = await JobsAsync();
            if (jobs.Count > 0 && jobs.All(j => j.State.IsTerminal()))
            {
                return jobs;
            }

            Clock.Advance(TimeSpan.FromMinutes(1));
            await RunPollerAsync();
            if (eachMinute is not null)
            {
                await eachMinute();
            }
        }

        throw new TimeoutException($"Jobs not done after {maxMinutes} virtual minutes:\n{string.Join("\n", (await JobsAsync()).Select(j => $"{j.Key} {j.State} {j.LastError}"))}");
    }

    /// <summary>One poller pass, as the schedule invokes it.</summary>
    public Task<PollReport> RunPollerAsync(CancellationToken cancellationToken = default) =>
        FunctionScope.RunAsync(ReplicatorFunctions.Poller, () => Replicator.Poller.RunAsync(cancellationToken));

    public Task<IReadOnlyList<CopyJob>> JobsAsync() => Replicator.Store.ScanJobsAsync(CancellationToken.None);

    public Task<IReadOnlyList<SlotCounter>> CountersAsync() => Replicator.Store.ListCountersAsync(CancellationToken.None);

    public async Task<List<Message>> DeadLettersAsync()
    {
        var response = await Sqs.ReceiveMessageAsync(new ReceiveMessageRequest { QueueUrl = Queues.DeadLetterQueueUrl, MaxNumberOfMessages = 10 });
        return response.Messages ?? [];
    }

    public static string AvailableEvent(string region, string imageId, string id = "e-1") => $$$"""
        {"version":"0","id":"{{{id}}}","detail-type":"EC2 AMI State Change","source":"aws.ec2","account":"123456789012",
         "time":"2026-11-25T08:00:00Z","region":"{{{region}}}","resources":["arn:aws:ec2:{{{region}}}::image/{{{imageId}}}"],
         "detail":{"RequestId":"r-{{{id}}}","ImageId":"{{{imageId}}}","State":"available","ErrorMessage":""}}
        """;

    public async ValueTask DisposeAsync()
    {
        _ec2Clients.Dispose();
        Replicator.Dispose();
        Sqs.Dispose();
        Logging.Dispose();
        await Simulator.DisposeAsync();
        Permissions.Dispose();
        Permissions.ThrowIfViolated();
    }
}
