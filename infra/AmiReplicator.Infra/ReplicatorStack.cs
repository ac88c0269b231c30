using Amazon.CDK;
using Amazon.CDK.AWS.Events;
using Amazon.CDK.AWS.Events.Targets;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.Lambda;
using Amazon.CDK.AWS.Lambda.EventSources;
using Amazon.CDK.AWS.Logs;
using Amazon.CDK.AWS.SSM;
using AmiReplicator.Contract;
using Constructs;
using Function = Amazon.CDK.AWS.Lambda.Function;
using LambdaTarget = Amazon.CDK.AWS.Events.Targets.LambdaFunction;

namespace AmiReplicator.Infra;

/// <summary>
/// The home region: the job table, the request queue and its DLQ, the dispatcher (queue-driven) and the poller
/// (scheduled, and poked by copies finishing in any destination), the rules feeding them, alarms and a dashboard.
/// </summary>
internal sealed class ReplicatorStack : Stack
{
    public const int DispatcherMemoryMb = 512;
    public const int DispatcherMaxConcurrency = 5;
    public const int PollerMemoryMb = 512;
    public const int PollerTimeoutSeconds = 300;

    /// <param name="spokeTemplate">The spoke stack's template, for the StackSet the settings ask for (null: none).</param>
    public ReplicatorStack(Construct scope, string id, IStackProps props, DeploymentSettings settings, ILambdaPackages packages, string? spokeTemplate = null)
        : base(scope, id, props)
    {
        var nag = new Nag();
        Timing = DispatcherTiming.For(settings.Policy);
        WarnWhenTimingDoesNotFit(settings);

        var jobs = new JobTable(this, "Jobs");
        // CDK leaves "Default" out of the path it derives logical IDs from, so the queues' logical IDs do not depend on the
        // construct holding them: new ones would make CloudFormation replace the queues, and the requests in them would be lost
        // (LogicalIdTests pins them).
        var requests = new RequestQueue(this, "Default", new RequestQueueProps(Timing.VisibilityTimeout, nag));

        Dispatcher = CreateDispatcher(nag, packages, settings, jobs, requests);
        Poller = CreatePoller(nag, packages, settings, jobs, requests);
        CreateRules(nag, settings, requests);

        Monitoring = new ReplicatorMonitoring(this, "Monitoring", new ReplicatorMonitoringProps(
            Dispatcher, Poller, requests, new AlarmNotifications(this, "Alarms", nag, settings),
            settings.MetricsNamespace, settings.Policy.Schedule, settings.DestinationRegions,
            settings.ForwardingRegions.ToDictionary(r => r, r => AmiEventForwarding.DeadLetterQueueName(ReplicatorApp.ForwardingStackName(r, settings.StackPrefix)))));

        // Once everything that grants to the roles is made.
        foreach (var (function, name) in new[] { (Dispatcher, ReplicatorFunctions.Dispatcher), (Poller, ReplicatorFunctions.Poller) })
        {
            PolicySize.Check(RoleOf(function), name, DeploymentSettings.PolicyKey + ".destinations");
        }

        CreateDeploymentParameter(settings, jobs, requests);
        DistributionKeys.AddTo(this, settings.HomeRegion, settings);
        if (settings.Policy.Targets.Count > 0)
        {
            SpokeAccess.AcceptForwardedEvents(this, settings);
        }

        if (spokeTemplate is not null)
        {
            SpokeAccess.DeployAsStackSet(this, settings, spokeTemplate);
        }

        new CfnOutput(this, "TableName", new CfnOutputProps { Value = jobs.Table.TableName, Description = "The DynamoDB table of copy jobs and budgets." });
        new CfnOutput(this, "RequestQueueUrl", new CfnOutputProps { Value = requests.Queue.QueueUrl, Description = "Send copy requests here." });
        new CfnOutput(this, "RequestQueueName", new CfnOutputProps { Value = requests.Queue.QueueName, Description = "The request queue's name." });
        new CfnOutput(this, "DeadLetterQueueUrl", new CfnOutputProps { Value = requests.DeadLetterQueue.QueueUrl, Description = "Requests that failed for good." });
        new CfnOutput(this, "DispatcherRoleArn", new CfnOutputProps { Value = RoleOf(Dispatcher).RoleArn, Description = "Name it in KMS key policies of encrypted source AMIs." });
        new CfnOutput(this, "PollerRoleArn", new CfnOutputProps { Value = RoleOf(Poller).RoleArn, Description = "Name it in KMS key policies of encrypted source AMIs." });
        new CfnOutput(this, "DashboardName", new CfnOutputProps { Value = Monitoring.Dashboard.DashboardName, Description = "The CloudWatch dashboard." });
    }

    public Function Dispatcher { get; }
    public Function Poller { get; }
    public ReplicatorMonitoring Monitoring { get; }
    public DispatcherTiming Timing { get; }

    /// <summary>The rule pattern of <paramref name="pattern"/> for images in <paramref name="regions"/> (null: any region).</summary>
    public static EventPattern AmiEvents(AmiEventPatterns pattern, IEnumerable<string>? regions) => new()
    {
        Source = [AmiEventPatterns.Source],
        DetailType = [AmiEventPatterns.DetailType],
        Resources = regions is null
            ? null
            : Amazon.CDK.AWS.Events.Match.AnyOf([.. regions.Select(r => (object)Amazon.CDK.AWS.Events.Match.Prefix(AmiEventPatterns.ImageArnPrefix(Aws.PARTITION, r)))]),
        Detail = new Dictionary<string, object> { ["State"] = pattern.States.ToArray() },
    };

    private void WarnWhenTimingDoesNotFit(DeploymentSettings settings)
    {
        if (!Timing.Fits)
        {
            Annotations.Of(this).AddWarningV2("amireplicator:dispatcher-timing",
                $"With {settings.Policy.Destinations.Count} destinations one message can make {Timing.Ec2CallsPerMessage} EC2 calls, up to "
                + $"{Timing.WorstMessage.TotalMinutes:F0} minutes when EC2 throttles every one of them, more than Lambda's {DispatcherTiming.MaxTimeout.TotalMinutes:F0}: "
                + "a dispatcher stopped at its timeout leaves its jobs waiting or claimed for the poller, and its message is delivered again.");
        }
    }

    /// <summary>The dispatcher, consuming the request queue; it dead-letters what can never succeed.</summary>
    private Function CreateDispatcher(Nag nag, ILambdaPackages packages, DeploymentSettings settings, JobTable jobs, RequestQueue requests)
    {
        var dispatcher = CreateFunction(nag, LambdaFunction.Dispatcher, packages, settings, jobs, requests,
            (FunctionEnvironment.DeadLetterQueueUrl, requests.DeadLetterQueue.QueueUrl), new FunctionProps
            {
                Description = "AMI replicator: turns AMI events and copy requests from the queue into copy jobs and starts what the budgets allow.",
                MemorySize = DispatcherMemoryMb,
                Timeout = Duration.Seconds(Timing.Timeout.TotalSeconds),
            });
        dispatcher.AddEventSource(new SqsEventSource(requests.Queue, new SqsEventSourceProps
        {
            BatchSize = Timing.BatchSize,
            MaxBatchingWindow = Duration.Seconds(DispatcherTiming.BatchingWindow.TotalSeconds),
            ReportBatchItemFailures = true,
            MaxConcurrency = DispatcherMaxConcurrency,
        }));
        nag.Suppress(dispatcher.Node.FindAll().OfType<CfnEventSourceMapping>().Single(), new NagSuppression("Serverless-LambdaEventSourceMappingDestination",
            "Lambda offers no on-failure destination for SQS event sources: a message that keeps failing moves to the request queue's DLQ by its redrive policy."));
        return dispatcher;
    }

    /// <summary>The poller, run by the schedule and by copies finishing; its sweep asks for copies on the request queue.</summary>
    private Function CreatePoller(Nag nag, ILambdaPackages packages, DeploymentSettings settings, JobTable jobs, RequestQueue requests)
    {
        var poller = CreateFunction(nag, LambdaFunction.Poller, packages, settings, jobs, requests,
            (FunctionEnvironment.RequestQueueUrl, requests.Queue.QueueUrl), new FunctionProps
            {
                Description = "AMI replicator: confirms copies in flight, finishes available ones, releases budgets and starts waiting copies.",
                MemorySize = PollerMemoryMb,
                Timeout = Duration.Seconds(PollerTimeoutSeconds),
                // None by default (Lambda refuses any reservation on accounts whose concurrency limit is 10): passes may overlap, and
                // that is safe. An opt-in reservation only saves API calls where the account has concurrency to spare.
                ReservedConcurrentExecutions = settings.PollerReservedConcurrency,
                // A pass left waiting is overtaken by the next tick; a failed pass is seen in the Errors alarm, not retried.
                MaxEventAge = Duration.Minutes(2),
                RetryAttempts = 0,
            });
        nag.Suppress(poller.Node.FindChild("EventInvokeConfig"), new NagSuppression("Serverless-LambdaAsyncFailureDestination",
            "A failed poller pass shows in the PollerErrors alarm and is redone by the next tick; its input (a schedule or AMI event) carries nothing to keep."));
        return poller;
    }

    /// <summary>
    /// AMIs of the source regions becoming available, disabled or deregistered to the request queue (new builds, and withdrawn ones
    /// their copies follow); copies finishing in the destinations, and the schedule, to the poller.
    /// </summary>
    private void CreateRules(Nag nag, DeploymentSettings settings, RequestQueue requests)
    {
        var newAmi = new Rule(this, "NewAmiRule", new RuleProps
        {
            Description = "An AMI became available, or was disabled or deregistered, in a source region (here, or forwarded from there): "
                + "the dispatcher replicates it, or makes its copies follow.",
            EventPattern = AmiEvents(AmiEventPatterns.SourceChanged, settings.SourceRegions),
        });
        newAmi.AddTarget(new SqsQueue(requests.Queue, new SqsQueueProps { DeadLetterQueue = requests.DeadLetterQueue }));

        var copyFinished = new Rule(this, "CopyFinishedRule", new RuleProps
        {
            Description = "An AMI in a destination region became available or failed: run the poller now rather than at its next tick.",
            EventPattern = AmiEvents(AmiEventPatterns.CopyFinished, settings.DestinationRegions),
        });
        var schedule = new Rule(this, "PollerSchedule", new RuleProps
        {
            Description = "The poller's backstop: events are best effort, the schedule is not.",
            Schedule = Schedule.Expression(settings.Policy.Schedule),
        });
        foreach (var rule in new[] { copyFinished, schedule })
        {
            rule.AddTarget(new LambdaTarget(Poller, new LambdaFunctionProps { MaxEventAge = Duration.Minutes(2) }));
            nag.Suppress(rule, new NagSuppression("Serverless-EventBusDLQ",
                "A lost poke of the poller costs at most one schedule tick: the next pass does the same work, so there is nothing to keep in a DLQ."));
        }
    }

    /// <summary>What the amirepl operator CLI finds the deployment by; the functions never read it.</summary>
    private void CreateDeploymentParameter(DeploymentSettings settings, JobTable jobs, RequestQueue requests) =>
        new StringParameter(this, "DeploymentParameter", new StringParameterProps
        {
            ParameterName = Contract.DeploymentParameter.NameFor(settings.StackPrefix),
            Description = "AMI replicator deployment, read by the amirepl operator CLI: table, request queue, home region, account, policy.",
            StringValue = ToJsonString(new Dictionary<string, object>
            {
                [Contract.DeploymentParameter.TableName] = jobs.Table.TableName,
                [Contract.DeploymentParameter.RequestQueueUrl] = requests.Queue.QueueUrl,
                [Contract.DeploymentParameter.HomeRegion] = settings.HomeRegion,
                [Contract.DeploymentParameter.AccountId] = Account,
                [Contract.DeploymentParameter.Deployment] = settings.Deployment,
            }.Concat(settings.PolicyFitsParameter
                ? [KeyValuePair.Create<string, object>(Contract.DeploymentParameter.Policy, settings.PolicyJson)]
                : []).ToDictionary()),
            // The policy alone may take 3.5 KB, and escaped inside the JSON more than a standard parameter's 4 KB: SSM then picks advanced.
            Tier = ParameterTier.INTELLIGENT_TIERING,
        });

    /// <summary>
    /// The policy as a layer's file (<see cref="FunctionEnvironment.PolicyLayerPath"/>), for a policy too large for the functions'
    /// environment; one layer for both functions, a new version whenever the policy changes (the asset is named by its content).
    /// </summary>
    private ILayerVersion PolicyLayer(DeploymentSettings settings)
    {
        if (Node.TryFindChild("PolicyLayer") is ILayerVersion made)
        {
            return made;
        }

        var content = System.Text.Encoding.UTF8.GetBytes(settings.PolicyJson);
        var folder = Path.Combine(Path.GetTempPath(), $"amireplicator-policy-{Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(content))[..16]}");
        var file = Path.Combine(folder, FunctionEnvironment.PolicyLayerPath["/opt/".Length..]);
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        File.WriteAllBytes(file, content);
        return new LayerVersion(this, "PolicyLayer", new LayerVersionProps
        {
            Code = Code.FromAsset(folder),
            Description = "AMI replicator: the replication policy, too large for the functions' environment.",
            CompatibleArchitectures = [Architecture.ARM_64],
        });
    }

    /// <summary>The role <see cref="CreateFunction"/> gave the function (CDK types a function's role as optional).</summary>
    private static IRole RoleOf(Function function) => function.Role ?? throw new InvalidOperationException($"{function.Node.Path} has no role");

    /// <summary>
    /// A function with its own log group and a role allowed exactly what the permission contract lists for it. Each function
    /// gets the queue it sends to in <paramref name="queueVariable"/>.
    /// </summary>
    private Function CreateFunction(
        Nag nag,
        LambdaFunction which,
        ILambdaPackages packages,
        DeploymentSettings settings,
        JobTable jobs,
        RequestQueue requests,
        (string Name, string Value) queueVariable,
        FunctionProps props)
    {
        var name = which.ToString();
        var function = name.ToLowerInvariant();
        var logGroup = new LogGroup(this, $"{name}Logs", new Amazon.CDK.AWS.Logs.LogGroupProps
        {
            Retention = RetentionDays.ONE_MONTH,
            // Logs are not state: the job table keeps what each copy went through.
            RemovalPolicy = RemovalPolicy.DESTROY,
        });
        var role = new Role(this, $"{name}Role", new RoleProps
        {
            // Named, so the spoke roles in the target accounts can trust it before this stack exists (SpokeStack).
            RoleName = ReplicatorApp.FunctionRoleName(which, settings.StackPrefix),
            AssumedBy = new ServicePrincipal("lambda.amazonaws.com"),
            Description = $"AMI replicator {name.ToLowerInvariant()}: EC2 image copies, the job table, its own log group.",
        });
        var policy = new Policy(this, $"{name}Policy", new PolicyProps
        {
            Roles = [role],
            Statements = [.. ReplicatorPermissions.ForCalls(function, settings, new ReplicatorResources(jobs.Table.TableArn, requests.Queue.QueueArn, requests.DeadLetterQueue.QueueArn)), ReplicatorPermissions.WriteLogs(function, logGroup.LogGroupArn)],
        });

        props.Runtime = Runtime.PROVIDED_AL2023;
        props.Architecture = Architecture.ARM_64;
        props.Handler = "bootstrap";
        props.Code = packages.CodeFor(which);
        props.Role = role;
        props.LogGroup = logGroup;
        // JSON: Lambda reads each line's level (the functions write Lambda's names) and drops those below ApplicationLogLevel; it
        // also tells the functions the level (AWS_LAMBDA_LOG_LEVEL) so they skip writing them. The metric lines carry no level,
        // count as INFO and are kept: the level is never above INFO (DeploymentSettings.LogLevels).
        props.LoggingFormat = LoggingFormat.JSON;
        props.ApplicationLogLevelV2 = Enum.Parse<ApplicationLogLevel>(settings.LogLevel);
        props.SystemLogLevelV2 = SystemLogLevel.INFO;
        var (policyVariable, policyValue) = settings.PolicyFitsEnvironment
            ? (FunctionEnvironment.Policy, settings.PolicyJson)
            : (FunctionEnvironment.PolicyFile, FunctionEnvironment.PolicyLayerPath);
        if (!settings.PolicyFitsEnvironment)
        {
            props.Layers = [PolicyLayer(settings)];
        }

        props.Environment = new Dictionary<string, string>
        {
            [FunctionEnvironment.TableName] = jobs.Table.TableName,
            [policyVariable] = policyValue,
            [FunctionEnvironment.AccountId] = Aws.ACCOUNT_ID,
            [FunctionEnvironment.Deployment] = settings.Deployment,
            [FunctionEnvironment.MetricsNamespace] = settings.MetricsNamespace,
            [queueVariable.Name] = queueVariable.Value,
        };
        var lambda = new Function(this, name, props);
        lambda.Node.AddDependency(policy);

        ReplicatorPermissions.SuppressWildcards(nag, policy, CopyPlaces.Home(settings));
        if (settings.Policy.Targets.Count > 0)
        {
            nag.Suppress(policy, new NagSuppression("AwsSolutions-IAM5",
                "The spoke roles are assumed by name in any target account: one ARN per role name keeps the policy from growing with the accounts (up to 2,000); "
                + "each spoke role's trust admits only these two functions (by ARN), within the organization when the policy names it.",
                "regex:/^Resource::arn:(<AWS::Partition>|aws[a-z-]*):iam::\\*:role\\/[\\w+=,.@-]+$/"));
        }

        nag.Suppress(lambda,
            new NagSuppression("Serverless-LambdaTracing",
                "The functions log one JSON line per decision and the job table records each copy's history; X-Ray would add a wildcard xray:Put* grant for no extra insight."),
            new NagSuppression("Serverless-LambdaDLQ",
                which == LambdaFunction.Dispatcher
                    ? "The dispatcher is invoked by an SQS event source, never asynchronously; its failed messages go to the request queue's DLQ."
                    : "The poller's asynchronous invocations are pokes: a lost one is redone by the next scheduled pass, so there is nothing to keep."));
        return lambda;
    }
}
