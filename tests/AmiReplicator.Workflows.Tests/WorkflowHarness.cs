using System.Text.Json;
using AmiReplicator.Aws.Ec2;
using AmiReplicator.Aws.Kms;
using AmiReplicator.Domain.Composition;
using AmiReplicator.Domain.Jobs;
using AmiReplicator.Domain.Observability;
using AmiReplicator.Domain.Policy;
using AmiReplicator.Domain.Slots;
using AmiReplicator.Ec2Simulator;
using AmiReplicator.Functions;
using AmiReplicator.InMemory;
using AmiReplicator.LocalCloud;
using AmiReplicator.Messages;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace AmiReplicator.Workflows.Tests;

/// <summary>
/// The two handlers composed as in Lambda (<see cref="ReplicatorWorkflows"/>), over the in-memory job store and the EC2 simulator
/// on a virtual clock; messages are handed to the dispatcher as SQS would, from a queue in memory. Events: <see cref="LocalReplication.AvailableEvent"/>.
/// </summary>
internal sealed class WorkflowHarness : IAsyncDisposable
{
    private readonly Ec2Clients _ec2;
    private readonly KmsKeyGateway _kms;
    private readonly ILoggerFactory _logging;
    private readonly List<SqsMessage> _queue = [];
    private readonly IMetrics _metrics;
    private readonly Func<ICopyJobStore, ICopyJobStore> _storeAround;
    private ReplicatorSettings _settings;
    private int _messages;

    private WorkflowHarness(FakeTimeProvider clock, Ec2Simulator.Ec2Simulator simulator, ReplicatorSettings settings, IMetrics metrics,
        Func<ICopyJobStore, ICopyJobStore> storeAround)
    {
        Clock = clock;
        Simulator = simulator;
        _settings = settings;
        _metrics = metrics;
        _storeAround = storeAround;
        _ec2 = new Ec2Clients(simulator.Endpoint, LocalReplication.Credentials);
        _kms = new KmsKeyGateway(simulator.Endpoint, LocalReplication.Credentials);
        _logging = LoggerFactory.Create(b => b.AddProvider(new JsonLineLoggerProvider(TextWriter.Synchronized(Log))));
        (Dispatcher, Poller) = Compose();
    }

    public FakeTimeProvider Clock { get; }
    public Ec2Simulator.Ec2Simulator Simulator { get; }
    public InMemoryCopyJobStore Store { get; } = new();
    public StringWriter Log { get; } = new();
    public DispatcherFunction Dispatcher { get; private set; }
    public PollerFunction Poller { get; private set; }

    /// <summary>What the dispatcher sent to the DLQ, with the reason.</summary>
    public List<(SqsMessage Message, string Reason)> DeadLetters { get; } = [];

    /// <param name="metrics">Where the functions' metrics go (nowhere by default).</param>
    /// <param name="storeAround">Wraps the in-memory store the functions use (a fault, say); <see cref="Store"/> stays the store itself.</param>
    public static async Task<WorkflowHarness> StartAsync(string policyJson, Func<Ec2SimulatorOptions, Ec2SimulatorOptions>? simulatorOptions = null,
        IMetrics? metrics = null, Func<ICopyJobStore, ICopyJobStore>? storeAround = null)
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 11, 25, 8, 0, 0, TimeSpan.Zero));
        var options = new Ec2SimulatorOptions { Clock = clock, CopyDuration = TimeSpan.FromMinutes(5) };
        var simulator = await Ec2Simulator.Ec2Simulator.StartAsync(simulatorOptions?.Invoke(options) ?? options);
        return new WorkflowHarness(clock, simulator, new ReplicatorSettings("in-memory", ReplicationPolicy.Parse(policyJson), simulator.AccountId, LocalReplication.Home, simulator.Endpoint),
            metrics ?? NoMetrics.Instance, storeAround ?? (s => s));
    }

    /// <summary>Redeploys with another policy: the same jobs and EC2, new functions reading the new policy.</summary>
    public void ChangePolicy(string policyJson)
    {
        _settings = _settings with { Policy = ReplicationPolicy.Parse(policyJson) };
        (Dispatcher, Poller) = Compose();
    }

    public void Send(string body) => _queue.Add(new SqsMessage { MessageId = $"m-{++_messages}", ReceiptHandle = $"r-{_messages}", Body = body, EventSource = "aws:sqs" });

    /// <summary>Hands the queued messages to the dispatcher in one batch; those it lists as failed stay queued. Answers how many were handed.</summary>
    public async Task<int> DeliverAsync()
    {
        var batch = _queue.ToList();
        if (batch.Count == 0)
        {
            return 0;
        }

        var response = await Dispatcher.HandleAsync(new SqsEvent { Records = batch }, CancellationToken.None);
        var failed = response.BatchItemFailures.Select(f => f.ItemIdentifier).ToHashSet();
        _queue.RemoveAll(m => !failed.Contains(m.MessageId));
        return batch.Count;
    }

    public Task<IReadOnlyList<CopyJob>> JobsAsync() => Store.ListJobsAsync(CancellationToken.None);

    public Task<IReadOnlyList<SlotCounter>> CountersAsync() => Store.ListCountersAsync(CancellationToken.None);

    /// <summary>Lets virtual time pass a minute at a time, running the poller each minute, until every job is done.</summary>
    public Task<IReadOnlyList<CopyJob>> RunPollerUntilDoneAsync(int maxMinutes = 240, Func<Task>? eachMinute = null) =>
        VirtualMinutes.RunPollerUntilDoneAsync(Clock, () => Poller.RunAsync(CancellationToken.None), JobsAsync, maxMinutes, eachMinute);

    public async ValueTask DisposeAsync()
    {
        _ec2.Dispose();
        _kms.Dispose();
        _logging.Dispose();
        await Simulator.DisposeAsync();
    }

    private ReplicatorHandlers Compose() => ReplicatorHandlers.Over(
        new ReplicatorWorkflows(new ReplicatorPorts(_storeAround(Store), new Ec2ImageGateway(_ec2), _kms) { Requests = new InMemoryRequestQueue(this) },
            _settings.Policy, _settings.AccountId, _settings.HomeRegion, new WorkflowContext(new TrackingOptions(), _metrics, Clock, _logging)),
        new RecordingDeadLetterQueue(DeadLetters), _logging);

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
