using Amazon.DynamoDBv2;
using Amazon.Runtime;
using AmiReplicator.Aws;
using AmiReplicator.Domain.Composition;
using AmiReplicator.Domain.Jobs;
using AmiReplicator.Messages;
using Microsoft.Extensions.Logging;

namespace AmiReplicator.Functions;

/// <summary>The replicator wired from its settings: the AWS adapters (<see cref="AwsPorts"/>), the workflows over them, the two handlers.</summary>
public sealed class Replicator : IDisposable
{
    private readonly AwsPorts _aws;
    private readonly ILogger _invocationLog;

    /// <param name="metrics">Where embedded-metric-format lines go: stdout in Lambda; nowhere when not given.</param>
    public Replicator(ReplicatorSettings settings, TimeProvider clock, ILoggerFactory logging, TrackingOptions? options = null,
        AWSCredentials? localCredentials = null, TextWriter? metrics = null)
    {
        Settings = settings;
        _invocationLog = logging.CreateLogger<Replicator>();
        _aws = new AwsPorts(settings.HomeRegion, settings.TableName, settings.RequestQueueUrl,
            // Locally the EC2 simulator answers KMS too, on the same endpoint, and moto EventBridge beside SQS.
            new AwsEndpoints(settings.DynamoDbEndpoint, settings.SqsEndpoint, settings.Ec2Endpoint, settings.Ec2Endpoint, settings.SsmEndpoint, settings.Ec2Endpoint)
            {
                Organizations = settings.OrganizationsEndpoint,
                Events = settings.SqsEndpoint,
            },
            localCredentials, logging,
            // The role sessions' ends are read on the replicator's clock, which STS's answers follow (a virtual one locally).
            clock, settings.Policy.JobRetention);
        Workflows = new ReplicatorWorkflows(_aws.Ports, settings.Policy, settings.AccountId, settings.HomeRegion,
            new WorkflowContext(options ?? new TrackingOptions(), new EmbeddedMetricWriter(metrics ?? TextWriter.Null, clock, settings.MetricsNamespace), clock, logging));
        (Dispatcher, Poller) = ReplicatorHandlers.Over(Workflows,
            settings.DeadLetterQueueUrl is { } url ? _aws.DeadLetterQueue(url) : new NoDeadLetterQueue(), logging);
    }

    public ReplicatorSettings Settings { get; }

    public ReplicatorWorkflows Workflows { get; }

    public DispatcherFunction Dispatcher { get; }

    public PollerFunction Poller { get; }

    /// <summary>The job store as the adapters give it (the workflows write it through their metered view).</summary>
    public ICopyJobStore Store => _aws.Ports.Store;

    public IAmazonDynamoDB DynamoDb => _aws.DynamoDb;

    /// <summary>The adapters the workflows work through.</summary>
    public AwsPorts Aws => _aws;

    /// <summary>
    /// Every line logged until the scope ends carries the invocation's Lambda request id (<c>requestId</c>, as in Lambda's own JSON
    /// log lines), so a job's lines lead to the invocation that wrote them and to its other lines.
    /// </summary>
    public IDisposable? BeginInvocation(string requestId) =>
        _invocationLog.BeginScope(new Dictionary<string, object?> { [RequestIdField] = requestId });

    /// <summary>The name Lambda's JSON log format gives the request id.</summary>
    public const string RequestIdField = "requestId";

    public void Dispose() => _aws.Dispose();

    /// <summary>Without a DLQ configured, a message that can never succeed is redelivered until the queue's redrive policy moves it.</summary>
    private sealed class NoDeadLetterQueue : IDeadLetterQueue
    {
        public Task SendAsync(SqsMessage message, string reason, CancellationToken cancellationToken) =>
            throw new InvalidOperationException($"{Contract.FunctionEnvironment.DeadLetterQueueUrl} is not set: the message is left to the queue's redrive policy");
    }
}
