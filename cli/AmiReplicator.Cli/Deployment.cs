using System.CommandLine;
using System.Text.Json;
using Amazon;
using Amazon.Runtime;
using Amazon.Runtime.CredentialManagement;
using Amazon.SecurityToken;
using Amazon.SecurityToken.Model;
using Amazon.SimpleSystemsManagement;
using Amazon.SimpleSystemsManagement.Model;
using AmiReplicator.Aws;
using AmiReplicator.Aws.CloudWatch;
using AmiReplicator.Aws.Sqs;
using AmiReplicator.Contract;
using AmiReplicator.Domain.Composition;
using AmiReplicator.Domain.Jobs;
using AmiReplicator.Domain.Policy;
using Microsoft.Extensions.Logging.Abstractions;

namespace AmiReplicator.Cli;

/// <summary>The options every command takes: where the deployment is, whose credentials, how to print.</summary>
internal static class GlobalOptions
{
    public static readonly Option<string?> Region = new("--region")
    {
        Description = "The deployment's home region (default: AWS_REGION, AWS_DEFAULT_REGION, then the profile's region).",
        Recursive = true,
    };

    public static readonly Option<string?> Profile = new("--profile")
    {
        Description = "A profile of the AWS config and credentials files (default: AWS_PROFILE, then the SDK's default chain).",
        Recursive = true,
    };

    public static readonly Option<string[]> EndpointUrl = new("--endpoint-url")
    {
        Description = "Send calls to this endpoint instead of AWS's: URL for every service, or SERVICE=URL (dynamodb, sqs, ec2, kms, ssm, cloudwatch, sts, organizations), repeatable. "
            + "Without --profile or AWS_ACCESS_KEY_ID, fixed test credentials are used (the local cloud checks none).",
        Recursive = true,
        AllowMultipleArgumentsPerToken = false,
    };

    public static readonly Option<string> Parameter = new("--deployment-parameter")
    {
        Description = "The SSM parameter the stack writes with the table, queue, home region and policy (a deployment with stackPrefix P writes /AmiReplicator/P/deployment).",
        DefaultValueFactory = _ => DeploymentParameter.DefaultName,
        Recursive = true,
    };

    public static readonly Option<string?> Table = new("--table") { Description = "The job table (stack output TableName), instead of the parameter's.", Recursive = true };

    public static readonly Option<string?> QueueUrl = new("--queue-url") { Description = "The request queue (stack output RequestQueueUrl), instead of the parameter's.", Recursive = true };

    public static readonly Option<FileInfo> PolicyFile = new("--policy-file")
    {
        Description = "The replication policy as JSON, instead of the parameter's (with --table and --queue-url the parameter is not read).",
        Recursive = true,
    };

    public static readonly Option<string?> DeadLetterQueueUrl = new("--dlq-url")
    {
        Description = "The request queue's DLQ, instead of the one its redrive policy names.",
        Recursive = true,
    };

    public static readonly Option<string> Output = new("--output", "-o")
    {
        Description = "table (for people), json (one document, stable camelCase field names) or text (tab-separated, a line per item, as the AWS CLI prints).",
        DefaultValueFactory = _ => "table",
        Recursive = true,
    };

    public static readonly Option<string?> Query = new("--query")
    {
        Description = "A JMESPath expression over the JSON document (as with --output json), e.g. 'jobs[?state==`FAILED`].sourceImageId'; "
            + "printed as JSON, or tab-separated with --output text.",
        Recursive = true,
    };

    static GlobalOptions()
    {
        Output.AcceptOnlyFromAmong("table", "json", "text");
        PolicyFile.AcceptExistingOnly();
    }

    public static IEnumerable<Option> All => [Region, Profile, EndpointUrl, Parameter, Table, QueueUrl, DeadLetterQueueUrl, PolicyFile, Output, Query];

    /// <summary>Whether the command prints its JSON document (--output json or text, or a --query over it) instead of its tables.</summary>
    public static bool Structured(ParseResult parse) => parse.GetValue(Output) is "json" or "text" || parse.GetValue(Query) is not null;
}

/// <summary>Where the replicator is deployed: its table, its request queue, its home region, and the policy it runs with and its account (if known).</summary>
internal sealed record Deployment(string TableName, string? RequestQueueUrl, string HomeRegion, ReplicationPolicy? Policy, string? AccountId = null)
{
    public string RequireQueueUrl() => RequestQueueUrl
        ?? throw new CliException(ExitCodes.Usage, $"no request queue: pass --queue-url or let {GlobalOptions.Parameter.Name} name it");

    public ReplicationPolicy RequirePolicy(string why) => Policy
        ?? throw new CliException(ExitCodes.Usage, $"{why} needs the replication policy: pass --policy-file (the deployment parameter holds the policy only when "
            + $"it fits, not with hundreds of target accounts) or let {GlobalOptions.Parameter.Name} name it");
}

/// <summary>The AWS clients of one command, made from the global options with the caller's credentials.</summary>
internal sealed class AwsSession : IAsyncDisposable
{
    private static readonly string[] Services = ["dynamodb", "sqs", "ec2", "kms", "ssm", "cloudwatch", "sts", "organizations"];

    private readonly AWSCredentials? _credentials;
    private readonly Dictionary<string, Uri> _endpoints;
    private readonly TextWriter _warnings;
    private AwsPorts? _ports;
    private CloudWatchMetrics? _metrics;

    private AwsSession(string region, AWSCredentials? credentials, Dictionary<string, Uri> endpoints, TextWriter warnings)
    {
        Region = region;
        _credentials = credentials;
        _endpoints = endpoints;
        _warnings = warnings;
    }

    public string Region { get; }

    /// <summary>The deployment's adapters, as the functions have them (one deployment per command).</summary>
    public AwsPorts Ports(Deployment deployment) => _ports ??= new AwsPorts(Region, deployment.TableName, deployment.RequestQueueUrl,
        new AwsEndpoints(Endpoint("dynamodb"), Endpoint("sqs"), Endpoint("ec2"), Endpoint("kms"), Endpoint("ssm"), Endpoint("sts")) { Organizations = Endpoint("organizations") },
        _credentials, NullLoggerFactory.Instance, jobRetention: deployment.Policy?.JobRetention);

    /// <summary>
    /// The replicator's workflows over the deployment's adapters, composed as the functions compose them: what a command does to a
    /// job (cancel, prune) is done by the same code, and counted in the same metrics.
    /// </summary>
    /// <param name="why">The command, named when the deployment has no policy to give.</param>
    public ReplicatorWorkflows Workflows(Deployment deployment, string why, string? accountId = null)
    {
        var policy = deployment.RequirePolicy(why);
        _metrics ??= new CloudWatchMetrics(Region, ReplicatorMetrics.NamespaceOf(policy.Deployment), Endpoint("cloudwatch"), _credentials, TimeProvider.System);
        return new ReplicatorWorkflows(Ports(deployment).Ports, policy, accountId ?? deployment.AccountId ?? "", Region,
            new WorkflowContext(new TrackingOptions(), _metrics, TimeProvider.System, NullLoggerFactory.Instance));
    }

    /// <summary>The deployment's request queue, as the sweep sends to it (answering each message's id).</summary>
    public SqsRequestQueue Requests(Deployment deployment) => new(Ports(deployment).Sqs, deployment.RequireQueueUrl());

    /// <summary>The request queue and its DLQ (<see cref="GlobalOptions.DeadLetterQueueUrl"/>, else the one the queue's redrive policy names).</summary>
    public async Task<RequestQueues> QueuesAsync(ParseResult parse, Deployment deployment, CancellationToken cancellationToken)
    {
        var sqs = Ports(deployment).Sqs;
        var queueUrl = deployment.RequireQueueUrl();
        return new RequestQueues(sqs, queueUrl,
            parse.GetValue(GlobalOptions.DeadLetterQueueUrl) ?? await RequestQueues.DeadLetterQueueOfAsync(sqs, queueUrl, cancellationToken));
    }

    /// <summary>
    /// Who runs the command, as AWS knows the credentials (STS GetCallerIdentity, which needs no permission): what
    /// <c>--requested-by</c> records by default.
    /// </summary>
    public async Task<string> CallerAsync(CancellationToken cancellationToken)
    {
        using var sts = Create(new AmazonSecurityTokenServiceConfig(), "sts",
            (c, config) => c is null ? new AmazonSecurityTokenServiceClient(config) : new AmazonSecurityTokenServiceClient(c, config));
        return (await sts.GetCallerIdentityAsync(new GetCallerIdentityRequest(), cancellationToken)).Arn;
    }

    private Uri? Endpoint(string service) => _endpoints.GetValueOrDefault(service);

    public static AwsSession From(ParseResult parse)
    {
        var endpoints = ParseEndpoints(parse.GetValue(GlobalOptions.EndpointUrl) ?? []);
        var profileName = parse.GetValue(GlobalOptions.Profile) ?? Environment.GetEnvironmentVariable("AWS_PROFILE");
        AWSCredentials? credentials = null;
        string? profileRegion = null;
        if (profileName is not null)
        {
            var profiles = new CredentialProfileStoreChain();
            if (!profiles.TryGetProfile(profileName, out var profile) || !profiles.TryGetAWSCredentials(profileName, out credentials))
            {
                throw new CliException(ExitCodes.Credentials, $"no AWS profile named '{profileName}' in the config or credentials files");
            }

            profileRegion = profile.Region?.SystemName;
        }
        else if (endpoints.Count > 0 && Environment.GetEnvironmentVariable("AWS_ACCESS_KEY_ID") is null)
        {
            credentials = new BasicAWSCredentials("test", "test");
        }

        var region = parse.GetValue(GlobalOptions.Region) ?? Environment.GetEnvironmentVariable("AWS_REGION")
            ?? Environment.GetEnvironmentVariable("AWS_DEFAULT_REGION") ?? profileRegion
            ?? throw new CliException(ExitCodes.Usage, "no region: pass --region, set AWS_REGION or give the profile a region");
        return new AwsSession(RequireKnownRegion(region, "--region"), credentials, endpoints, parse.InvocationConfiguration.Error);
    }

    public static string RequireKnownRegion(string region, string option) => AwsRegions.Known.Contains(region)
        ? region
        : throw new CliException(ExitCodes.Usage, $"{option}: '{region}' is not a known AWS region");

    /// <summary>
    /// The deployment: the flags where given, the rest from the stack's parameter; its policy with the accounts of the targets'
    /// organizational units as the last sync left them in the table, so every command sees the targets the functions see.
    /// </summary>
    public async Task<Deployment> DeploymentAsync(ParseResult parse, CancellationToken cancellationToken)
    {
        var deployment = await ReadDeploymentAsync(parse, cancellationToken);
        if (deployment.Policy is { NamesOrganizationalUnits: true } policy && Ports(deployment).Ports.TargetLists is { } lists)
        {
            policy.UseTargetList(await lists.GetAsync(cancellationToken));
        }

        return deployment;
    }

    private async Task<Deployment> ReadDeploymentAsync(ParseResult parse, CancellationToken cancellationToken)
    {
        var table = parse.GetValue(GlobalOptions.Table);
        var queue = parse.GetValue(GlobalOptions.QueueUrl);
        var policy = parse.GetValue(GlobalOptions.PolicyFile) is { } file ? ReadPolicy(File.ReadAllText(file.FullName), file.FullName, ExitCodes.Usage) : null;
        if (table is not null && queue is not null)
        {
            return new Deployment(table, queue, Region, policy);
        }

        var name = parse.GetRequiredValue(GlobalOptions.Parameter);
        using var ssm = Create(new AmazonSimpleSystemsManagementConfig(), "ssm",
            (c, config) => c is null ? new AmazonSimpleSystemsManagementClient(config) : new AmazonSimpleSystemsManagementClient(c, config));
        string value;
        try
        {
            value = (await ssm.GetParameterAsync(new GetParameterRequest { Name = name }, cancellationToken)).Parameter.Value;
        }
        catch (ParameterNotFoundException)
        {
            throw new CliException(ExitCodes.NotFound,
                $"no deployment parameter {name} in {Region}: is the stack deployed in this region? (or pass --table and --queue-url)");
        }

        try
        {
            using var document = JsonDocument.Parse(value);
            var root = document.RootElement;
            string Field(string field) => root.TryGetProperty(field, out var v) && v.GetString() is { Length: > 0 } s
                ? s
                : throw new CliException(ExitCodes.Error, $"the deployment parameter {name} has no \"{field}\"");
            var home = Field(DeploymentParameter.HomeRegion);
            if (home != Region)
            {
                throw new CliException(ExitCodes.Usage, $"the deployment in parameter {name} has its home in {home}: pass --region {home}");
            }

            // Retention and the latest-copy parameters keep to the copies this deployment made.
            var deployment = root.TryGetProperty(DeploymentParameter.Deployment, out var named) && named.GetString() is { Length: > 0 } n
                ? n
                : ProvenanceTags.DefaultDeployment;
            return new Deployment(
                table ?? Field(DeploymentParameter.TableName),
                queue ?? Field(DeploymentParameter.RequestQueueUrl),
                home,
                // The deployment's own policy being invalid is no fault of the command line (a CLI older than the stack, a parameter edited by hand).
                // A policy too large for the parameter (hundreds of target accounts) is not in it: commands that need it ask for --policy-file.
                (policy ?? (root.TryGetProperty(DeploymentParameter.Policy, out _) ? ReadPolicy(Field(DeploymentParameter.Policy), $"parameter {name}", ExitCodes.Error) : null))
                    is { } known ? known with { Deployment = deployment } : null,
                root.TryGetProperty(DeploymentParameter.AccountId, out var account) ? account.GetString() : null);
        }
        catch (JsonException e)
        {
            throw new CliException(ExitCodes.Error, $"the deployment parameter {name} is not JSON: {e.Message}");
        }
    }

    private static ReplicationPolicy ReadPolicy(string json, string source, int exitCodeIfInvalid)
    {
        try
        {
            return ReplicationPolicy.Parse(json);
        }
        catch (PolicyException e)
        {
            throw new CliException(exitCodeIfInvalid, $"the policy in {source} is not valid: {e.Message}");
        }
    }

    private static Dictionary<string, Uri> ParseEndpoints(string[] values)
    {
        var endpoints = new Dictionary<string, Uri>(StringComparer.Ordinal);
        foreach (var value in values)
        {
            var (services, url) = value.Split('=', 2) is [var service, var rest] && !service.Contains(':', StringComparison.Ordinal)
                ? (Services.Contains(service) ? [service] : throw new CliException(ExitCodes.Usage,
                    $"--endpoint-url: '{service}' is not one of {string.Join(", ", Services)}"), rest)
                : ((string[])Services, value);
            if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            {
                throw new CliException(ExitCodes.Usage, $"--endpoint-url: '{url}' is not an http(s) URL");
            }

            foreach (var name in services)
            {
                endpoints[name] = uri;
            }
        }

        return endpoints;
    }

    private TClient Create<TClient, TConfig>(TConfig config, string service, Func<AWSCredentials?, TConfig, TClient> create)
        where TConfig : ClientConfig
    {
        if (_endpoints.TryGetValue(service, out var endpoint))
        {
            config.ServiceURL = endpoint.ToString();
            config.AuthenticationRegion = Region;
        }
        else
        {
            config.RegionEndpoint = RegionEndpoint.GetBySystemName(Region);
        }

        return create(_credentials, config);
    }

    /// <summary>
    /// Publishes what the command's workflows counted (a job cancelled by hand counts as one the replicator cancels), then lets the
    /// clients go. Metrics that cannot be published are a warning: the command's work is done either way.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        if (_metrics is not null)
        {
            try
            {
                await _metrics.FlushAsync(CancellationToken.None);
            }
            catch (Exception e) when (e is AmazonServiceException or HttpRequestException or AmazonClientException)
            {
                await _warnings.WriteLineAsync($"amirepl: warning: this command's metrics could not be published to CloudWatch ({e.Message})");
            }

            _metrics.Dispose();
        }

        _ports?.Dispose();
    }
}
