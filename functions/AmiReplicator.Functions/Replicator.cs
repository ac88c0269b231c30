using Amazon;
using Amazon.DynamoDBv2;
using Amazon.Runtime;
using Amazon.SQS;
using AmiReplicator.Domain.Images;
using AmiReplicator.Domain.Jobs;
using AmiReplicator.Domain.Observability;
using AmiReplicator.Domain.Policy;
using AmiReplicator.Domain.Workflows;
using AmiReplicator.DynamoDb;
using AmiReplicator.Ec2;
using AmiReplicator.Messages;
using AmiReplicator.Sqs;
using AmiReplicator.Ssm;
using Microsoft.Extensions.Logging;

namespace AmiReplicator.Functions;

/// <summary>The replicator wired from its settings: AWS clients, the job store, the workflows, the two handlers.</summary>
public sealed class Replicator : IDisposable
{
    private readonly AmazonDynamoDBClient _dynamo;
    private readonly Ec2Clients _ec2;
    private readonly AmazonSQSClient _sqs;
    private readonly KmsKeyGateway _kms;
    private readonly SsmImageParameters _parameters;

    /// <param name="metrics">Where embedded-metric-format lines go: stdout in Lambda; nowhere when not given.</param>
    public Replicator(ReplicatorSettings settings, TimeProvider clock, ILoggerFactory logging, PollerOptions? pollerOptions = null,
        AWSCredentials? localCredentials = null, TextWriter? metrics = null)
    {
        Settings = settings;
        _dynamo = Client(settings.DynamoDbEndpoint, settings.HomeRegion, localCredentials,
            new AmazonDynamoDBConfig { RetryMode = RequestRetryMode.Standard, MaxErrorRetry = 8 }, (c, config) => c is null ? new AmazonDynamoDBClient(config) : new AmazonDynamoDBClient(c, config));
        _sqs = Client(settings.SqsEndpoint, settings.HomeRegion, localCredentials,
            new AmazonSQSConfig { RetryMode = RequestRetryMode.Standard }, (c, config) => c is null ? new AmazonSQSClient(config) : new AmazonSQSClient(c, config));
        _ec2 = new Ec2Clients(settings.Ec2Endpoint, localCredentials);
        // Locally the EC2 simulator answers KMS too, on the same endpoint.
        _kms = new KmsKeyGateway(settings.Ec2Endpoint, localCredentials);
        _parameters = new SsmImageParameters(settings.SsmEndpoint, localCredentials);

        Store = new DynamoCopyJobStore(_dynamo, settings.TableName, logging.CreateLogger<DynamoCopyJobStore>());
        IDeadLetterQueue deadLetters = settings.DeadLetterQueueUrl is { } url ? new SqsDeadLetterQueue(_sqs, url) : new NoDeadLetterQueue();
        IRequestQueue? requests = settings.RequestQueueUrl is { } queue ? new SqsRequestQueue(_sqs, queue) : null;
        var images = new Ec2ImageGateway(_ec2);
        (Dispatcher, Poller, Canceller) = Compose(Store, images, _kms, deadLetters, requests, settings, clock, logging,
            new EmbeddedMetricWriter(metrics ?? TextWriter.Null, clock, settings.MetricsNamespace), pollerOptions ?? new PollerOptions(), images, _parameters);
    }

    public ReplicatorSettings Settings { get; }
    public DynamoCopyJobStore Store { get; }
    public DispatcherFunction Dispatcher { get; }
    public PollerFunction Poller { get; }

    /// <summary>Cancels jobs by hand, as `amirepl cancel` does.</summary>
    public CopyCanceller Canceller { get; }
    public IAmazonDynamoDB DynamoDb => _dynamo;

    /// <summary>The two handlers over the given store and gateway: the one place the workflows are put together.</summary>
    /// <param name="requests">Where the sweep sends what it found; no sweep without it.</param>
    /// <param name="lifecycle">The calls that make copies follow their sources; without it copies carry only the deprecation time.</param>
    /// <param name="parameters">Where the latest-copy parameters are written (with <paramref name="lifecycle"/>, which lists the copies).</param>
    public static ComposedReplicator Compose(ICopyJobStore store, IImageGateway images, IKeyGateway keys, IDeadLetterQueue deadLetters,
        IRequestQueue? requests, ReplicatorSettings settings, TimeProvider clock, ILoggerFactory logging, IMetrics metrics, PollerOptions options,
        IImageLifecycle? lifecycle = null, IImageParameters? parameters = null)
    {
        var policy = settings.Policy;
        var jobs = new MeteredCopyJobStore(store, metrics);
        var steps = new JobSteps(jobs, policy, options, metrics, clock, logging.CreateLogger<JobSteps>());
        var reconciler = new CounterReconciler(jobs, options, metrics, logging.CreateLogger<CounterReconciler>());
        var follower = lifecycle is null ? null
            : new LifecycleFollower(jobs, images, lifecycle, policy, settings.AccountId, clock, logging.CreateLogger<LifecycleFollower>());
        var sweep = requests is null ? null : new SourceSweep(jobs, images, requests, policy,
            policy.SourceRegions.Count > 0 ? policy.SourceRegions : [settings.HomeRegion], settings.AccountId, clock, logging.CreateLogger<SourceSweep>(), follower);
        var latestCopy = LatestCopyPointer.For(policy, images, lifecycle, parameters, logging);
        var finisher = new CopyFinisher(jobs, images, keys, policy, options, steps, clock, logging.CreateLogger<CopyFinisher>(), lifecycle, latestCopy);
        // One each: in Lambda the two functions are two processes, each with its own read-ahead of waiting work.
        CopyStarter Starter() => new(jobs, images, policy, steps, reconciler, new WaitingCandidates(jobs, policy, clock), finisher, metrics, clock, logging.CreateLogger<CopyStarter>());
        var canceller = new CopyCanceller(jobs, images, finisher, policy, options, clock, logging.CreateLogger<CopyCanceller>());
        var retention = lifecycle is null || policy.Retention is null ? null
            : new CopyRetention(jobs, images, lifecycle, policy, metrics, clock, logging.CreateLogger<CopyRetention>(), latestCopy);
        return new ComposedReplicator(
            new DispatcherFunction(
                new ReplicationDispatcher(jobs, images, keys, Starter(), finisher, policy, settings.AccountId, clock, logging.CreateLogger<ReplicationDispatcher>(), follower),
                deadLetters,
                logging.CreateLogger<DispatcherFunction>()),
            new PollerFunction(
                new CopyPoller(jobs, images, Starter(), finisher, canceller, reconciler, steps, sweep, policy, options, metrics, clock, logging.CreateLogger<CopyPoller>(), retention),
                logging.CreateLogger<PollerFunction>()),
            canceller);
    }

    private static TClient Client<TClient, TConfig>(Uri? endpoint, string homeRegion, AWSCredentials? credentials, TConfig config, Func<AWSCredentials?, TConfig, TClient> create)
        where TConfig : ClientConfig
    {
        if (endpoint is not null)
        {
            config.ServiceURL = endpoint.ToString();
            config.AuthenticationRegion = homeRegion;
        }
        else
        {
            config.RegionEndpoint = RegionEndpoint.GetBySystemName(homeRegion);
        }

        return create(credentials, config);
    }

    public void Dispose()
    {
        _dynamo.Dispose();
        _sqs.Dispose();
        _ec2.Dispose();
        _kms.Dispose();
        _parameters.Dispose();
    }

    /// <summary>Without a DLQ configured, a message that can never succeed is redelivered until the queue's redrive policy moves it.</summary>
    private sealed class NoDeadLetterQueue : IDeadLetterQueue
    {
        public Task SendAsync(SqsMessage message, string reason, CancellationToken cancellationToken) =>
            throw new InvalidOperationException($"{Contract.FunctionEnvironment.DeadLetterQueueUrl} is not set: the message is left to the queue's redrive policy");
    }
}

/// <summary>The two handlers, and the cancel by hand, as one composition puts them together.</summary>
public sealed record ComposedReplicator(DispatcherFunction Dispatcher, PollerFunction Poller, CopyCanceller Canceller)
{
    public void Deconstruct(out DispatcherFunction dispatcher, out PollerFunction poller) => (dispatcher, poller) = (Dispatcher, Poller);
}
