using Amazon;
using Amazon.DynamoDBv2;
using Amazon.Runtime;
using Amazon.SecurityToken;
using Amazon.SQS;
using AmiReplicator.Aws.DynamoDb;
using AmiReplicator.Aws.Ec2;
using AmiReplicator.Aws.Events;
using AmiReplicator.Aws.Kms;
using AmiReplicator.Aws.Organizations;
using AmiReplicator.Aws.Sqs;
using AmiReplicator.Aws.Ssm;
using AmiReplicator.Domain.Composition;
using AmiReplicator.Domain.Jobs;
using AmiReplicator.Messages;
using Microsoft.Extensions.Logging;

namespace AmiReplicator.Aws;

/// <summary>
/// A deployment's adapters, put together once: the job table, the request queue and its DLQ in the home region, EC2, KMS and SSM
/// in whichever region a call names. The functions, the operator CLI and the local cloud make their ports here, and the domain's
/// <see cref="ReplicatorWorkflows"/> works through them.
/// </summary>
public sealed class AwsPorts : IDisposable
{
    private readonly AmazonDynamoDBClient _dynamo;
    private readonly AmazonSQSClient _sqs;
    private readonly Ec2Clients _ec2;
    private readonly KmsKeyGateway _kms;
    private readonly SsmImageParameters _parameters;
    private readonly Lazy<IAmazonSecurityTokenService> _sts;
    private readonly TargetAccountImages _targets;
    private readonly OrganizationsClient _organization;
    private readonly EventBridgeDistributionEvents _events;

    /// <param name="credentials">Whose calls these are; null: the SDK's default chain (Lambda's role, the operator's profile).</param>
    /// <param name="clock">When target accounts' role sessions end (the machine's clock unless the local cloud's).</param>
    /// <param name="jobRetention">How long the job store keeps ended jobs (the policy's <c>jobRetentionDays</c>); null: forever.</param>
    public AwsPorts(string homeRegion, string tableName, string? requestQueueUrl, AwsEndpoints endpoints, AWSCredentials? credentials, ILoggerFactory logging,
        TimeProvider? clock = null, TimeSpan? jobRetention = null)
    {
        // DynamoDB retries more than the SDK's default: a claim's transaction meets throttling under a burst, and a retry is cheap.
        _dynamo = Client(endpoints.DynamoDb, homeRegion, credentials, new AmazonDynamoDBConfig { RetryMode = RequestRetryMode.Standard, MaxErrorRetry = 8 },
            (c, config) => c is null ? new AmazonDynamoDBClient(config) : new AmazonDynamoDBClient(c, config));
        _sqs = Client(endpoints.Sqs, homeRegion, credentials, new AmazonSQSConfig { RetryMode = RequestRetryMode.Standard },
            (c, config) => c is null ? new AmazonSQSClient(config) : new AmazonSQSClient(c, config));
        _ec2 = new Ec2Clients(endpoints.Ec2, credentials);
        _kms = new KmsKeyGateway(endpoints.Kms, credentials);
        _parameters = new SsmImageParameters(endpoints.Ssm, credentials);
        // The home region's STS endpoint: its tokens are valid in every region, opt-in ones included (the global endpoint's are not).
        _sts = new(() => Client(endpoints.Sts, homeRegion, credentials, new AmazonSecurityTokenServiceConfig { RetryMode = RequestRetryMode.Standard },
            (c, config) => c is null ? new AmazonSecurityTokenServiceClient(config) : new AmazonSecurityTokenServiceClient(c, config)));
        var partition = RegionEndpoint.GetBySystemName(homeRegion).PartitionName ?? "aws";
        _targets = new TargetAccountImages(_sts, endpoints.Ec2, endpoints.Kms, partition, clock ?? TimeProvider.System, endpoints.Ssm);
        _organization = new OrganizationsClient(partition, endpoints.Organizations, credentials, clock ?? TimeProvider.System);
        _events = new EventBridgeDistributionEvents(homeRegion, partition, endpoints.Events, credentials, clock ?? TimeProvider.System);
        var images = new Ec2ImageGateway(_ec2);
        Ports = new ReplicatorPorts(new DynamoCopyJobStore(_dynamo, tableName, logging.CreateLogger<DynamoCopyJobStore>()) { JobRetention = jobRetention }, images, _kms)
        {
            Lifecycle = images,
            Parameters = _parameters,
            LaunchTemplates = images,
            Requests = requestQueueUrl is null ? null : new SqsRequestQueue(_sqs, requestQueueUrl),
            Targets = _targets,
            TargetLists = new DynamoTargetListStore(_dynamo, tableName),
            Organization = _organization,
            Events = _events,
        };
        Inspection = new CopyJobInspection(_dynamo, tableName);
    }

    public ReplicatorPorts Ports { get; }

    /// <summary>The whole table, as an operator reads it.</summary>
    public ICopyJobInspection Inspection { get; }

    public IAmazonDynamoDB DynamoDb => _dynamo;

    public IAmazonSQS Sqs => _sqs;

    /// <summary>EC2 in a region, for what the ports do not ask (an operator looking an AMI up).</summary>
    public Amazon.EC2.IAmazonEC2 Ec2(string region) => _ec2.For(region);

    /// <summary>The request queue's DLQ, where the dispatcher sends at once what can never succeed, with its reason.</summary>
    public IDeadLetterQueue DeadLetterQueue(string queueUrl) => new SqsDeadLetterQueue(_sqs, queueUrl);

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
        _targets.Dispose();
        _organization.Dispose();
        _events.Dispose();
        if (_sts.IsValueCreated)
        {
            _sts.Value.Dispose();
        }
    }
}
