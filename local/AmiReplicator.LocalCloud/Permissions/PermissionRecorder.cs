using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Amazon.EC2;
using Amazon.KeyManagementService;
using Amazon.Runtime;
using Amazon.Runtime.Internal;

namespace AmiReplicator.LocalCloud.Permissions;

/// <summary>
/// A handler at the top of every AWS SDK client's pipeline (one per logical call, the SDK's retries inside it): calls made
/// inside a <see cref="FunctionScope"/> on a registered deployment's table or EC2 simulator (EC2 and SSM) go through its <see cref="PermissionCheck"/>.
/// </summary>
internal sealed class PermissionRecorder : IRuntimePipelineCustomizer
{
    private static readonly ConcurrentDictionary<string, PermissionCheck> Checks = new(StringComparer.Ordinal);
    private static readonly Lazy<bool> Registered = new(() =>
    {
        RuntimePipelineCustomizerRegistry.Instance.Register(new PermissionRecorder());
        DiagnosticListener.AllListeners.Subscribe(new SignedCallObserver());
        return true;
    });

    public string UniqueName => "amirepl-permission-check";

    public static void Register(PermissionCheck check)
    {
        _ = Registered.Value;
        Checks[Ec2Key(check.Ec2Endpoint)] = check;
        Checks[TableKey(check.TableName)] = check;
        foreach (var queue in check.QueueUrls)
        {
            Checks[QueueKey(queue)] = check;
        }

        SignedChecks[check] = 0;
    }

    public static void Unregister(PermissionCheck check)
    {
        Checks.TryRemove(KeyValuePair.Create(Ec2Key(check.Ec2Endpoint), check));
        Checks.TryRemove(KeyValuePair.Create(TableKey(check.TableName), check));
        foreach (var queue in check.QueueUrls)
        {
            Checks.TryRemove(KeyValuePair.Create(QueueKey(queue), check));
        }

        SignedChecks.TryRemove(check, out _);
    }

    /// <summary>Deployments whose functions' calls without the SDK are observed (they go to moto, which every deployment shares).</summary>
    private static readonly ConcurrentDictionary<PermissionCheck, byte> SignedChecks = new();

    /// <summary>
    /// The calls the functions make without the AWS SDK (EventBridge's PutEvents over the signed JSON client), seen through
    /// HttpClient's diagnostic events as they leave, inside a function's scope: the X-Amz-Target header names the operation, the
    /// signature's credential scope the region.
    /// </summary>
    private sealed class SignedCallObserver : IObserver<DiagnosticListener>, IObserver<KeyValuePair<string, object?>>
    {
        public void OnNext(DiagnosticListener listener)
        {
            if (listener.Name == "HttpHandlerDiagnosticListener")
            {
                listener.Subscribe(this);
            }
        }

        public void OnNext(KeyValuePair<string, object?> value)
        {
            if (value.Key != "System.Net.Http.Request" || FunctionScope.Current is not { } function
                || value.Value?.GetType().GetProperty("Request")?.GetValue(value.Value) is not HttpRequestMessage request
                || !request.Headers.TryGetValues("X-Amz-Target", out var targets)
                || targets.FirstOrDefault()?.Split('.') is not ["AWSEvents", var operation])
            {
                return;
            }

            // Credential=KEY/DATE/REGION/SERVICE/aws4_request
            var scope = request.Headers.Authorization?.Parameter?.Split("Credential=")[^1].Split(',')[0].Split('/') ?? [];
            var region = scope.Length > 2 ? scope[2] : "unknown";
            foreach (var check in SignedChecks.Keys)
            {
                check.ObserveSigned(function, "events", operation, region);
            }
        }

        public void OnCompleted()
        {
        }

        public void OnError(Exception error)
        {
        }
    }

    public void Customize(Type type, RuntimePipeline pipeline) => pipeline.AddHandler(new CheckingHandler());

    private static string Ec2Key(Uri endpoint) => $"ec2 {endpoint.Authority}";

    private static string TableKey(string tableName) => $"table {tableName}";

    private static string QueueKey(string queueUrl) => $"queue {queueUrl}";

    private static PermissionCheck? CheckFor(string service, IClientConfig config, AmazonWebServiceRequest request)
    {
        var key = service switch
        {
            // Locally KMS and Parameter Store answer on the EC2 simulator's endpoint.
            "ec2" or "kms" or "ssm" or "sts" when config.ServiceURL is { } url => Ec2Key(new Uri(url)),
            "dynamodb" => FirstTable(request) is { } table ? TableKey(table) : null,
            "sqs" => request.GetType().GetProperty("QueueUrl")?.GetValue(request) is string queue ? QueueKey(queue) : null,
            _ => null,
        };
        return key is not null && Checks.TryGetValue(key, out var check) ? check : null;
    }

    private static string? FirstTable(AmazonWebServiceRequest request) => request switch
    {
        TransactWriteItemsRequest t => t.TransactItems?.Select(i => i.Put?.TableName ?? i.Update?.TableName ?? i.Delete?.TableName ?? i.ConditionCheck?.TableName).FirstOrDefault(),
        TransactGetItemsRequest t => t.TransactItems?.Select(i => i.Get?.TableName).FirstOrDefault(),
        BatchGetItemRequest b => b.RequestItems?.Keys.FirstOrDefault(),
        BatchWriteItemRequest b => b.RequestItems?.Keys.FirstOrDefault(),
        _ => request.GetType().GetProperty("TableName")?.GetValue(request) as string,
    };

    private sealed class CheckingHandler : PipelineHandler
    {
        public override async Task<T> InvokeAsync<T>(IExecutionContext executionContext)
        {
            if (FunctionScope.Current is { } function)
            {
                var context = executionContext.RequestContext;
                var config = context.ClientConfig;
                var service = config.AuthenticationServiceName;
                if (CheckFor(service, config, context.OriginalRequest) is { } check)
                {
                    var region = config.AuthenticationRegion ?? config.RegionEndpoint?.SystemName ?? "unknown";
                    // Whose credentials sign the call: a target account's spoke role session is assumed here, as signing would next
                    // (and kept). A client without credentials of its own signs with the SDK's default chain: the harness's.
                    var credentials = context.ExplicitAWSCredentials ?? config.DefaultAWSCredentials;
                    var accessKeyId = credentials is null ? null : (await credentials.GetCredentialsAsync()).AccessKey;
                    if (check.Authorize(function, service, region, context.OriginalRequest, accessKeyId) is { } refusal)
                    {
                        throw Denied(service, refusal);
                    }
                }
            }

            return await base.InvokeAsync<T>(executionContext);
        }

        private static AmazonServiceException Denied(string service, string message) => service switch
        {
            "ec2" => new AmazonEC2Exception(message, ErrorType.Sender, "UnauthorizedOperation", "permission-check", HttpStatusCode.Forbidden),
            "dynamodb" => new AmazonDynamoDBException(message, ErrorType.Sender, "AccessDeniedException", "permission-check", HttpStatusCode.BadRequest),
            "kms" => new AmazonKeyManagementServiceException(message, ErrorType.Sender, "AccessDeniedException", "permission-check", HttpStatusCode.BadRequest),
            _ => new AmazonServiceException(message, ErrorType.Sender, "AccessDenied", "permission-check", HttpStatusCode.Forbidden),
        };
    }
}
