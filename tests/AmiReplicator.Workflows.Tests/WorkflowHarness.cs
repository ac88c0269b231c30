using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using Amazon.EC2;
using Amazon.SecurityToken;
using AmiReplicator.Aws.Ec2;
using AmiReplicator.Aws.Kms;
using AmiReplicator.Aws.Ssm;
using AmiReplicator.Contract;
using AmiReplicator.Domain.Composition;
using AmiReplicator.Domain.Copying;
using AmiReplicator.Domain.Jobs;
using AmiReplicator.Domain.Observability;
using AmiReplicator.Domain.Policy;
using AmiReplicator.Domain.Slots;
using AmiReplicator.Ec2Simulator;
using AmiReplicator.Functions;
using AmiReplicator.InMemory;
using AmiReplicator.LocalCloud;
using AmiReplicator.LocalCloud.Permissions;
using AmiReplicator.Messages;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace AmiReplicator.Workflows.Tests;

/// <summary>
/// The two handlers composed as in Lambda (<see cref="ReplicatorWorkflows"/> over EC2, KMS and SSM as <see cref="Aws.AwsPorts"/>
/// makes them), over the in-memory job store and the EC2 simulator on a virtual clock; messages are handed to the dispatcher as SQS
/// would, from a queue in memory, and the functions' log lines and metrics (embedded metric format) go to <see cref="Log"/>, as
/// on the local cloud. Every call the functions make to the simulator is held to the permission contract, as
/// <see cref="LocalReplication"/> holds it. Events: <see cref="LocalReplication.AvailableEvent"/>.
/// </summary>
internal sealed class WorkflowHarness : IAsyncDisposable
{
    /// <summary>The table the permission check is told of: the functions' store is in memory, so no call names it.</summary>
    private const string NoTable = "in-memory";

    private readonly Ec2Clients _ec2;
    private readonly KmsKeyGateway _kms;
    private readonly SsmImageParameters _parameters;
    private readonly Ec2EventFeed _ec2Events;
    private readonly AmazonSecurityTokenServiceClient _sts;
    private readonly TargetAccountImages _targets;
    private readonly ILoggerFactory _logging;
    private readonly List<SqsMessage> _queue = [];
    private readonly IMetrics _metrics;
    private readonly Func<ICopyJobStore, ICopyJobStore> _storeAround;
    private readonly TrackingOptions _pollerOptions;
    private ReplicatorHandlers _handlers;
    private int _messages;

    private WorkflowHarness(FakeTimeProvider clock, Ec2Simulator.Ec2Simulator simulator, ReplicationPolicy policy, IMetrics? metrics,
        Func<ICopyJobStore, ICopyJobStore> storeAround, TrackingOptions pollerOptions)
    {
        Clock = clock;
        Simulator = simulator;
        Policy = policy;
        _storeAround = storeAround;
        _pollerOptions = pollerOptions;
        // Before the clients: the check applies to clients made once it is on.
        Permissions = PermissionCheck.Start(policy, NoTable, simulator);
        _ec2 = new Ec2Clients(simulator.Endpoint, LocalReplication.Credentials);
        _kms = new KmsKeyGateway(simulator.Endpoint, LocalReplication.Credentials);
        _parameters = new SsmImageParameters(simulator.Endpoint, LocalReplication.Credentials);
        _sts = new AmazonSecurityTokenServiceClient(LocalReplication.Credentials,
            new AmazonSecurityTokenServiceConfig { ServiceURL = simulator.Endpoint.ToString(), AuthenticationRegion = LocalReplication.Home });
        _targets = new TargetAccountImages(new Lazy<IAmazonSecurityTokenService>(_sts), simulator.Endpoint, simulator.Endpoint, "aws", clock, simulator.Endpoint);
        _ec2Events = new Ec2EventFeed(simulator);
        var sink = TextWriter.Synchronized(Log);
        _metrics = metrics ?? new EmbeddedMetricWriter(sink, clock);
        _logging = LoggerFactory.Create(b => b.AddProvider(new JsonLineLoggerProvider(sink)));
        Compose();
    }

    public FakeTimeProvider Clock { get; }
    public Ec2Simulator.Ec2Simulator Simulator { get; }
    public InMemoryCopyJobStore Store { get; } = new();

    /// <summary>The organization the targets' units are in; the home account is its management account unless a test says otherwise.</summary>
    public InMemoryOrganization Organization { get; } = new("999999999999");

    /// <summary>The target list the functions keep (one item of the table in AWS).</summary>
    public InMemoryTargetListStore TargetLists { get; } = new();
    public StringWriter Log { get; } = new();

    /// <summary>The policy the functions read now.</summary>
    public ReplicationPolicy Policy { get; private set; }

    /// <summary>The workflows as the functions compose them (retention's plan, as `amirepl prune` reads it).</summary>
    public ReplicatorWorkflows Workflows { get; private set; }

    /// <summary>The permission contract applied to the functions' calls; a call outside it fails <see cref="DisposeAsync"/>.</summary>
    public PermissionCheck Permissions { get; private set; }

    /// <summary>The distribution completed events the functions sent, in order; while <see cref="EventBusDown"/>, sending fails.</summary>
    public List<DistributionCompleted> CompletedEvents { get; } = [];

    public bool EventBusDown { get; set; }

    /// <summary>What the dispatcher sent to the DLQ, with the reason.</summary>
    public List<(SqsMessage Message, string Reason)> DeadLetters { get; } = [];

    /// <param name="metrics">Where the functions' metrics go (embedded metric format lines in <see cref="Log"/> by default).</param>
    /// <param name="storeAround">Wraps the in-memory store the functions use (a fault, say); <see cref="Store"/> stays the store itself.</param>
    /// <param name="deployment">The stack prefix the functions are deployed under (their copies' provenance names it).</param>
    public static async Task<WorkflowHarness> StartAsync(string policyJson, Func<Ec2SimulatorOptions, Ec2SimulatorOptions>? simulatorOptions = null,
        IMetrics? metrics = null, Func<ICopyJobStore, ICopyJobStore>? storeAround = null, TrackingOptions? pollerOptions = null,
        string deployment = ProvenanceTags.DefaultDeployment)
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 11, 25, 8, 0, 0, TimeSpan.Zero));
        var options = new Ec2SimulatorOptions { Clock = clock, CopyDuration = TimeSpan.FromMinutes(5) };
        var simulator = await Ec2Simulator.Ec2Simulator.StartAsync(simulatorOptions?.Invoke(options) ?? options);
        return new WorkflowHarness(clock, simulator, ReplicationPolicy.Parse(policyJson) with { Deployment = deployment }, metrics,
            storeAround ?? (s => s), pollerOptions ?? new TrackingOptions());
    }

    /// <summary>Redeploys with another policy: the same jobs and EC2, new functions reading the new policy.</summary>
    public void ChangePolicy(string policyJson)
    {
        Policy = ReplicationPolicy.Parse(policyJson) with { Deployment = Policy.Deployment };
        // The functions' permissions follow the policy (CopyImage only in its destinations, their keys): what the old policy's
        // functions did stays checked against the old grant.
        Permissions.ThrowIfViolated();
        Permissions.Dispose();
        Permissions = PermissionCheck.Start(Policy, NoTable, Simulator);
        Compose();
    }

    /// <summary>A real EC2 client on the simulator, as a person or another tool would use it.</summary>
    public IAmazonEC2 Ec2(string region) => _ec2.For(region);

    public void Send(string body) => _queue.Add(new SqsMessage { MessageId = $"m-{++_messages}", ReceiptHandle = $"r-{_messages}", Body = body, EventSource = "aws:sqs" });

    /// <summary>Queues the EC2 events the simulator emitted since the last call, as the stack's rules do; answers how many.</summary>
    public int SendEc2Events()
    {
        var events = _ec2Events.TakeNew();
        foreach (var body in events)
        {
            Send(body);
        }

        return events.Count;
    }

    /// <summary>Hands the queued messages to the dispatcher in one batch; those it lists as failed stay queued. Answers how many were handed.</summary>
    /// <param name="cancellationToken">The invocation's, cancelled as the Lambda host cancels it near the deadline.</param>
    public async Task<int> DeliverAsync(CancellationToken cancellationToken = default)
    {
        var batch = _queue.ToList();
        if (batch.Count == 0)
        {
            return 0;
        }

        var response = await FunctionScope.RunAsync(ReplicatorFunctions.Dispatcher,
            () => _handlers.Dispatcher.HandleAsync(new SqsEvent { Records = batch }, cancellationToken));
        var failed = response.BatchItemFailures.Select(f => f.ItemIdentifier).ToHashSet();
        _queue.RemoveAll(m => !failed.Contains(m.MessageId));
        return batch.Count;
    }

    /// <summary>One poller pass, as the schedule invokes it.</summary>
    public Task<PollReport> RunPollerAsync() => FunctionScope.RunAsync(ReplicatorFunctions.Poller, () => _handlers.Poller.RunAsync(CancellationToken.None));

    public Task<IReadOnlyList<CopyJob>> JobsAsync() => Store.ListJobsAsync(CancellationToken.None);

    public Task<IReadOnlyList<SlotCounter>> CountersAsync() => Store.ListCountersAsync(CancellationToken.None);

    /// <summary>Lets virtual time pass a minute at a time, running the poller each minute, until every job is done.</summary>
    public Task<IReadOnlyList<CopyJob>> RunPollerUntilDoneAsync(int maxMinutes = 240, Func<Task>? eachMinute = null) =>
        VirtualMinutes.RunPollerUntilDoneAsync(Clock, RunPollerAsync, JobsAsync, maxMinutes, eachMinute);

    public async ValueTask DisposeAsync()
    {
        _ec2.Dispose();
        _kms.Dispose();
        _parameters.Dispose();
        _targets.Dispose();
        _sts.Dispose();
        _logging.Dispose();
        await Simulator.DisposeAsync();
        Permissions.Dispose();
        Permissions.ThrowIfViolated();
    }

    [MemberNotNull(nameof(Workflows), nameof(_handlers))]
    private void Compose()
    {
        var images = new Ec2ImageGateway(_ec2);
        var ports = new ReplicatorPorts(_storeAround(Store), images, _kms)
        {
            Lifecycle = images,
            Parameters = _parameters,
            LaunchTemplates = images,
            Requests = new InMemoryRequestQueue(this),
            Targets = _targets,
            TargetLists = TargetLists,
            Organization = new CheckedOrganization(Organization, Permissions),
            Events = new RecordingEventBus(this)
        };
        Workflows = new ReplicatorWorkflows(ports, Policy, Simulator.AccountId, LocalReplication.Home, new WorkflowContext(_pollerOptions, _metrics, Clock, _logging));
        _handlers = ReplicatorHandlers.Over(Workflows, new RecordingDeadLetterQueue(DeadLetters), _logging);
    }

    private sealed class RecordingEventBus(WorkflowHarness harness) : IDistributionEvents
    {
        public Task PublishCompletedAsync(DistributionCompleted completed, CancellationToken cancellationToken)
        {
            if (harness.EventBusDown)
            {
                throw new InvalidOperationException("PutEvents did not take the event: InternalFailure");
            }

            harness.CompletedEvents.Add(completed);
            return Task.CompletedTask;
        }
    }

    private sealed class RecordingDeadLetterQueue(List<(SqsMessage Message, string Reason)> sent) : IDeadLetterQueue
    {
        public Task SendAsync(SqsMessage message, string reason, CancellationToken cancellationToken)
        {
            sent.Add((message, reason));
            return Task.CompletedTask;
        }
    }

    /// <summary>The sweep's requests join the queue, as they would the request queue.</summary>
    private sealed class InMemoryRequestQueue(WorkflowHarness harness) : IRequestQueue
    {
        public Task SendAsync(IReadOnlyList<ReplicationRequest> requests, CancellationToken cancellationToken)
        {
            foreach (var request in requests)
            {
                harness.Send(JsonSerializer.Serialize(CopyRequestMessage.From(request), MessagesJsonContext.Default.CopyRequestMessage));
            }

            return Task.CompletedTask;
        }
    }
}
