using System.Text.Json.Nodes;
using Amazon.EC2;
using Amazon.Runtime;
using Amazon.SimpleSystemsManagement;
using Amazon.SimpleSystemsManagement.Model;
using Amazon.SQS;
using Amazon.SQS.Model;
using AmiReplicator.Aws.Ec2;
using AmiReplicator.Contract;
using AmiReplicator.Domain.Copying;
using AmiReplicator.Domain.Jobs;
using AmiReplicator.Domain.Policy;
using AmiReplicator.Domain.Slots;
using AmiReplicator.Ec2Simulator;
using AmiReplicator.Functions;
using AmiReplicator.LocalCloud.Permissions;
using AmiReplicator.Messages;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace AmiReplicator.LocalCloud;

/// <summary>
/// The replicator on the local cloud: its own table and queues, an in-process EC2 simulator (with Parameter Store) on a virtual clock,
/// and the real handlers fed by a local SQS event source. Used by the local run and the end-to-end tests.
/// </summary>
public sealed class LocalReplication : IAsyncDisposable
{
    public const string Home = "us-east-1";
    public static readonly AWSCredentials Credentials = new BasicAWSCredentials("test", "test");

    private readonly Ec2Clients _ec2Clients;
    private readonly Ec2EventFeed _ec2Events;

    private readonly TrackingOptions? _pollerOptions;
    private readonly PermissionContract? _permissionContract;
    private readonly TextWriter _sink;
    private string _policyJson;

    private LocalReplication(FakeTimeProvider clock, Ec2Simulator.Ec2Simulator simulator, PermissionCheck permissions, PermissionContract? permissionContract,
        Replicator replicator, AmazonSQSClient sqs, LocalQueues queues, StringWriter log, TextWriter sink, ILoggerFactory logging,
        TrackingOptions? pollerOptions, string policyJson)
    {
        _pollerOptions = pollerOptions;
        _permissionContract = permissionContract;
        _sink = sink;
        _policyJson = policyJson;
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
        _ec2Events = new Ec2EventFeed(simulator);
    }

    public FakeTimeProvider Clock { get; }
    public Ec2Simulator.Ec2Simulator Simulator { get; }

    /// <summary>The permission contract applied to the functions' calls; a call outside it fails <see cref="DisposeAsync"/>.</summary>
    public PermissionCheck Permissions { get; private set; }
    public Replicator Replicator { get; private set; }
    public AmazonSQSClient Sqs { get; }
    public LocalQueues Queues { get; }
    public SqsEventSource EventSource { get; }
    public StringWriter Log { get; }
    public ILoggerFactory Logging { get; }

    /// <summary>The request queue as the sweep sends to it (for workers composed around decorated ports).</summary>
    public IRequestQueue RequestQueue => Replicator.Aws.Ports.Requests ?? throw new InvalidOperationException("a local replication has its request queue");

    /// <summary>The request queue's DLQ as the dispatcher sends to it (for workers composed around decorated ports).</summary>
    public IDeadLetterQueue DeadLetterQueue => Replicator.Aws.DeadLetterQueue(Queues.DeadLetterQueueUrl);

    /// <summary>A real EC2 client on the simulator, as a person or another tool would use it.</summary>
    public IAmazonEC2 Ec2(string region) => _ec2Clients.For(region);

    public static async Task<LocalReplication> StartAsync(
        LocalCloudServers cloud, string policyJson, Func<Ec2SimulatorOptions, Ec2SimulatorOptions>? simulatorOptions = null,
        int maxReceiveCount = 3, TrackingOptions? pollerOptions = null, PermissionContract? permissionContract = null,
        string deployment = ProvenanceTags.DefaultDeployment)
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 11, 25, 8, 0, 0, TimeSpan.Zero));
        var options = new Ec2SimulatorOptions { Clock = clock, CopyDuration = TimeSpan.FromMinutes(5) };
        var simulator = await Ec2Simulator.Ec2Simulator.StartAsync(simulatorOptions?.Invoke(options) ?? options);

        var name = $"amirepl-{Guid.NewGuid():N}"[..24];
        var sqs = new AmazonSQSClient(Credentials, new AmazonSQSConfig { ServiceURL = cloud.MotoUrl.ToString(), AuthenticationRegion = Home });
        var queues = await LocalQueues.CreateAsync(sqs, name, maxReceiveCount, TimeSpan.Zero);
        var settings = new ReplicatorSettings(name, ReplicationPolicy.Parse(policyJson) with { Deployment = deployment }, simulator.AccountId, Home,
            simulator.Endpoint, cloud.DynamoDbUrl, DeadLetterQueueUrl: queues.DeadLetterQueueUrl, SqsEndpoint: cloud.MotoUrl,
            RequestQueueUrl: queues.QueueUrl, SsmEndpoint: simulator.Endpoint, OrganizationsEndpoint: cloud.MotoUrl);
        var permissions = PermissionCheck.Start(settings.Policy, name, simulator, permissionContract, QueueScopes(queues));
        var log = new StringWriter();
        var sink = TextWriter.Synchronized(log);
        var logging = LoggerFactory.Create(b => b.AddProvider(new JsonLineLoggerProvider(sink)));
        var replicator = new Replicator(settings, clock, logging, pollerOptions, Credentials, metrics: sink);
        await JobTable.CreateIfMissingAsync(replicator.DynamoDb, name, CancellationToken.None);
        return new LocalReplication(clock, simulator, permissions, permissionContract, replicator, sqs, queues, log, sink, logging,
            pollerOptions, policyJson);
    }

    private static Dictionary<string, string> QueueScopes(LocalQueues queues) => new()
    {
        [queues.QueueUrl] = PermissionScope.RequestQueue,
        [queues.DeadLetterQueueUrl] = PermissionScope.DeadLetterQueue,
    };

    /// <summary>Redeploys with another policy: the same table, queues and EC2, new functions reading the new policy.</summary>
    public void ChangePolicy(string policyJson)
    {
        var settings = Replicator.Settings with { Policy = ReplicationPolicy.Parse(policyJson) with { Deployment = Replicator.Settings.Policy.Deployment } };
        Replicator.Dispose();
        // The functions' permissions follow the policy (CopyImage only in its destinations, their keys): what the old policy's
        // functions did stays checked against the old grant.
        Permissions.ThrowIfViolated();
        Permissions.Dispose();
        Permissions = PermissionCheck.Start(settings.Policy, settings.TableName, Simulator, _permissionContract, QueueScopes(Queues));
        Replicator = new Replicator(settings, Clock, Logging, _pollerOptions, Credentials, metrics: _sink);
        _policyJson = policyJson;
    }

    /// <summary>
    /// The environment the stack gives a function, pointed at this local cloud: a published <c>bootstrap</c> started with it
    /// works on this replication's table, queues and simulator (on the simulator's clock, the function on the real one).
    /// </summary>
    public IReadOnlyDictionary<string, string> FunctionEnvironmentVariables()
    {
        static string Url(Uri? endpoint) => endpoint?.ToString() ?? throw new InvalidOperationException("a local replication names every endpoint");

        var settings = Replicator.Settings;
        var credentials = Credentials.GetCredentials();
        return new Dictionary<string, string>
        {
            [FunctionEnvironment.TableName] = settings.TableName,
            [FunctionEnvironment.Policy] = _policyJson,
            [FunctionEnvironment.AccountId] = settings.AccountId,
            [FunctionEnvironment.Deployment] = settings.Policy.Deployment,
            [FunctionEnvironment.RequestQueueUrl] = Queues.QueueUrl,
            [FunctionEnvironment.DeadLetterQueueUrl] = Queues.DeadLetterQueueUrl,
            [FunctionEnvironment.Ec2Endpoint] = Url(settings.Ec2Endpoint),
            [FunctionEnvironment.SsmEndpoint] = Url(settings.SsmEndpoint),
            [FunctionEnvironment.DynamoDbEndpoint] = Url(settings.DynamoDbEndpoint),
            [FunctionEnvironment.SqsEndpoint] = Url(settings.SqsEndpoint),
            [FunctionEnvironment.OrganizationsEndpoint] = Url(settings.OrganizationsEndpoint),
            ["AWS_REGION"] = settings.HomeRegion,
            ["AWS_ACCESS_KEY_ID"] = credentials.AccessKey,
            ["AWS_SECRET_ACCESS_KEY"] = credentials.SecretKey,
            // Nothing may reach for an instance metadata service or a profile of this machine.
            ["AWS_EC2_METADATA_DISABLED"] = "true",
            ["AWS_SHARED_CREDENTIALS_FILE"] = "/dev/null",
            ["AWS_CONFIG_FILE"] = "/dev/null",
        };
    }

    public Task SendAsync(string body) => Sqs.SendMessageAsync(Queues.QueueUrl, body);

    /// <summary>
    /// Enqueues the EC2 events the simulator emitted since the last call, as the stack's rules do (sources' and
    /// copies' own events alike); answers how many.
    /// </summary>
    public async Task<int> SendEc2EventsAsync()
    {
        var events = _ec2Events.TakeNew();
        foreach (var body in events)
        {
            await SendAsync(body);
        }

        return events.Count;
    }

    /// <summary>Hands every visible message to the dispatcher, as Lambda would, until the queue has none left visible.</summary>
    public async Task<int> DeliverAsync(int maxBatches = 50)
    {
        var delivered = 0;
        for (var i = 0; i < maxBatches; i++)
        {
            var outcome = await EventSource.PollOnceAsync(
                (payload, cancellationToken) => AsInvocationAsync(() => Replicator.Dispatcher.HandleJsonAsync(payload, cancellationToken)),
                CancellationToken.None);
            if (outcome.Delivered == 0)
            {
                break;
            }

            delivered += outcome.Delivered;
        }

        return delivered;
    }

    /// <summary>Lets virtual time pass a minute at a time, running the poller each minute, until every job is done.</summary>
    public Task<IReadOnlyList<CopyJob>> RunPollerUntilDoneAsync(int maxMinutes = 240, Func<Task>? eachMinute = null) =>
        VirtualMinutes.RunPollerUntilDoneAsync(Clock, () => RunPollerAsync(), JobsAsync, maxMinutes, eachMinute);

    /// <summary>The whole table, as the operator CLI reads it.</summary>
    public ICopyJobInspection Inspection => Replicator.Aws.Inspection;

    public Task<IReadOnlyList<CopyJob>> JobsAsync() => Inspection.ListJobsAsync(CancellationToken.None);

    /// <summary>One poller pass, as the schedule invokes it.</summary>
    public Task<PollReport> RunPollerAsync(CancellationToken cancellationToken = default) =>
        FunctionScope.RunAsync(ReplicatorFunctions.Poller, () => AsInvocationAsync(() => Replicator.Poller.RunAsync(cancellationToken)));

    /// <summary>Runs one function invocation as Lambda does: its log lines carry a request id of their own.</summary>
    private async Task<T> AsInvocationAsync<T>(Func<Task<T>> invocation)
    {
        using var scope = Replicator.BeginInvocation(Guid.NewGuid().ToString());
        return await invocation();
    }

    public Task<IReadOnlyList<SlotCounter>> CountersAsync() => Inspection.ListCountersAsync(CancellationToken.None);

    public async Task<List<Message>> DeadLettersAsync()
    {
        var response = await Sqs.ReceiveMessageAsync(new ReceiveMessageRequest
        {
            QueueUrl = Queues.DeadLetterQueueUrl,
            MaxNumberOfMessages = 10,
            MessageAttributeNames = ["All"],
        });
        return response.Messages ?? [];
    }

    /// <summary>
    /// Publishes this deployment in the local Parameter Store (the simulator's, where the latest-copy parameters are too: one SSM,
    /// as in AWS) as the stack does (<see cref="DeploymentParameter"/>), so that `amirepl` finds it by itself when pointed at the
    /// local cloud.
    /// </summary>
    public Task PublishDeploymentAsync(string parameterName) => PutParameterAsync(parameterName, new JsonObject
    {
        [DeploymentParameter.TableName] = Replicator.Settings.TableName,
        [DeploymentParameter.RequestQueueUrl] = Queues.QueueUrl,
        [DeploymentParameter.HomeRegion] = Home,
        [DeploymentParameter.AccountId] = Simulator.AccountId,
        [DeploymentParameter.Deployment] = Replicator.Settings.Policy.Deployment,
        [DeploymentParameter.Policy] = _policyJson,
    }.ToJsonString());

    /// <summary>Writes a String parameter in the home region's Parameter Store (e.g. a deployment parameter as a broken stack would leave it).</summary>
    public async Task PutParameterAsync(string name, string value)
    {
        using var ssm = new AmazonSimpleSystemsManagementClient(Credentials,
            new AmazonSimpleSystemsManagementConfig { ServiceURL = Simulator.Endpoint.ToString(), AuthenticationRegion = Home });
        await ssm.PutParameterAsync(new PutParameterRequest { Name = name, Type = ParameterType.String, Overwrite = true, Value = value });
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
