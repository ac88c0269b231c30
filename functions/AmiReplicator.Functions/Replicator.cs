using Amazon;
using Amazon.DynamoDBv2;
using Amazon.Runtime;
using AmiReplicator.Domain.Observability;
using AmiReplicator.Domain.Workflows;
using AmiReplicator.DynamoDb;
using AmiReplicator.Ec2;
using Microsoft.Extensions.Logging;

namespace AmiReplicator.Functions;

/// <summary>The replicator wired from its settings: AWS clients, the job store, the workflows, the two handlers.</summary>
public sealed class Replicator : IDisposable
{
    private readonly AmazonDynamoDBClient _dynamo;
    private readonly Ec2Clients _ec2;

    /// <param name="metrics">Where embedded-metric-format lines go: stdout in Lambda; nowhere when not given.</param>
    public Replicator(ReplicatorSettings settings, TimeProvider clock, ILoggerFactory logging, PollerOptions? pollerOptions = null,
        AWSCredentials? localCredentials = null, TextWriter? metrics = null)
    {
        Settings = settings;
        var dynamoConfig = new AmazonDynamoDBConfig { RetryMode = RequestRetryMode.Standard, MaxErrorRetry = 8 };
        if (settings.DynamoDbEndpoint is { } endpoint)
        {
            dynamoConfig.ServiceURL = endpoint.ToString();
            dynamoConfig.AuthenticationRegion = settings.HomeRegion;
        }
        else
        {
            dynamoConfig.RegionEndpoint = RegionEndpoint.GetBySystemName(settings.HomeRegion);
        }

        _dynamo = localCredentials is null ? new AmazonDynamoDBClient(dynamoConfig) : new AmazonDynamoDBClient(localCredentials, dynamoConfig);
        _ec2 = new Ec2Clients(settings.Ec2Endpoint, localCredentials);

        Store = new DynamoCopyJobStore(_dynamo, settings.TableName, logging.CreateLogger<DynamoCopyJobStore>());
        var meter = new EmbeddedMetricWriter(metrics ?? TextWriter.Null, clock, settings.MetricsNamespace);
        var jobs = new MeteredCopyJobStore(Store, meter);
        var images = new Ec2ImageGateway(_ec2);
        var options = pollerOptions ?? new PollerOptions();
        var starter = new CopyStarter(jobs, images, settings.Policy, clock, logging.CreateLogger<CopyStarter>());
        var finisher = new CopyFinisher(jobs, images, settings.Policy, options, clock, logging.CreateLogger<CopyFinisher>());
        Dispatcher = new DispatcherFunction(
            new ReplicationDispatcher(jobs, images, starter, finisher, options, settings.Policy, settings.AccountId, clock, logging.CreateLogger<ReplicationDispatcher>()),
            logging.CreateLogger<DispatcherFunction>());
        Poller = new PollerFunction(
            new CopyPoller(jobs, images, starter, finisher, settings.Policy, options, meter, clock, logging.CreateLogger<CopyPoller>()),
            logging.CreateLogger<PollerFunction>());
    }

    public ReplicatorSettings Settings { get; }
    public DynamoCopyJobStore Store { get; }
    public DispatcherFunction Dispatcher { get; }
    public PollerFunction Poller { get; }
    public IAmazonDynamoDB DynamoDb => _dynamo;

    public void Dispose()
    {
        _dynamo.Dispose();
        _ec2.Dispose();
    }
}
