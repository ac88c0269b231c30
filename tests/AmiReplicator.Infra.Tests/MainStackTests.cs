using System.Text.Json.Nodes;
using Amazon.CDK.Assertions;
using AmiReplicator.Contract;
using AmiReplicator.Domain.Policy;
using AmiReplicator.Infra;
using static AmiReplicator.Infra.Tests.Json;

namespace AmiReplicator.Infra.Tests;

[Collection(SynthesizedAppCollection.Name)]
public sealed class MainStackTests(SynthesizedApp app)
{
    private Template Main => app.Main;

    [Fact]
    public void The_main_stack_is_in_the_home_region_and_account_agnostic()
    {
        Assert.Equal("AmiReplicator", app.Stacks.Main.StackName);
        Assert.Equal(ReplicatorApp.MainStackName(), app.Stacks.Main.StackName);
        Assert.Equal("us-east-1", app.Stacks.Main.Region);
        Assert.True(Amazon.CDK.Token.IsUnresolved(app.Stacks.Main.Account));
    }

    [Fact]
    public void The_table_matches_the_job_table_design()
    {
        Main.ResourceCountIs("AWS::DynamoDB::Table", 1);
        Main.HasResourceProperties("AWS::DynamoDB::Table", Obj(
            ("KeySchema", new object[]
            {
                Obj(("AttributeName", JobTableSchema.PartitionKey), ("KeyType", "HASH")),
                Obj(("AttributeName", JobTableSchema.SortKey), ("KeyType", "RANGE")),
            }),
            ("AttributeDefinitions", Match.ArrayWith(new object[]
            {
                Obj(("AttributeName", JobTableSchema.PartitionKey), ("AttributeType", "S")),
                Obj(("AttributeName", JobTableSchema.SortKey), ("AttributeType", "S")),
                Obj(("AttributeName", JobTableSchema.ActiveIndexPartitionKey), ("AttributeType", "S")),
                Obj(("AttributeName", JobTableSchema.ActiveIndexSortKey), ("AttributeType", "S")),
                Obj(("AttributeName", JobTableSchema.StateIndexPartitionKey), ("AttributeType", "S")),
                Obj(("AttributeName", JobTableSchema.StateIndexSortKey), ("AttributeType", "S")),
            })),
            ("GlobalSecondaryIndexes", new object[]
            {
                Obj(
                    ("IndexName", JobTableSchema.ActiveIndexName),
                    ("KeySchema", new object[]
                    {
                        Obj(("AttributeName", JobTableSchema.ActiveIndexPartitionKey), ("KeyType", "HASH")),
                        Obj(("AttributeName", JobTableSchema.ActiveIndexSortKey), ("KeyType", "RANGE")),
                    }),
                    ("Projection", Obj(("ProjectionType", "ALL")))),
                Obj(
                    ("IndexName", JobTableSchema.StateIndexName),
                    ("KeySchema", new object[]
                    {
                        Obj(("AttributeName", JobTableSchema.StateIndexPartitionKey), ("KeyType", "HASH")),
                        Obj(("AttributeName", JobTableSchema.StateIndexSortKey), ("KeyType", "RANGE")),
                    }),
                    ("Projection", Obj(("ProjectionType", "INCLUDE"), ("NonKeyAttributes", new object[] { "ExpiresAt", "UpdatedAt" })))),
            })));
    }

    [Fact]
    public void Ended_jobs_expire_through_the_tables_time_to_live_attribute()
    {
        Main.HasResourceProperties("AWS::DynamoDB::Table", Obj(
            ("TimeToLiveSpecification", Obj(("AttributeName", JobTableSchema.ExpiresAtAttribute), ("Enabled", true)))));
    }

    [Fact]
    public void The_table_is_on_demand_recoverable_encrypted_and_kept()
    {
        Main.HasResource("AWS::DynamoDB::Table", Obj(
            ("Properties", Match.ObjectLike(Obj(
                ("BillingMode", "PAY_PER_REQUEST"),
                ("PointInTimeRecoverySpecification", Obj(("PointInTimeRecoveryEnabled", true))),
                // SSEEnabled without a key: KMS encryption with the AWS managed key (aws/dynamodb).
                ("SSESpecification", Obj(("SSEEnabled", true))),
                ("DeletionProtectionEnabled", true)))),
            ("DeletionPolicy", "Retain"),
            ("UpdateReplacePolicy", "Retain")));
    }

    [Fact]
    public void Both_queues_are_encrypted_and_the_request_queue_redrives_to_the_dlq()
    {
        var dlq = app.MainLogicalId("AWS::SQS::Queue", "DeadLetterQueue");
        Main.HasResourceProperties("AWS::SQS::Queue", Obj(("SqsManagedSseEnabled", true), ("MessageRetentionPeriod", 14 * 24 * 3600)));
        Main.HasResourceProperties("AWS::SQS::Queue", Obj(
            ("SqsManagedSseEnabled", true),
            ("VisibilityTimeout", DispatcherTiming.VisibilityTimeoutFactor * app.Stacks.Main.Timing.Timeout.TotalSeconds),
            ("RedrivePolicy", Obj(("deadLetterTargetArn", GetAtt(dlq, "Arn")), ("maxReceiveCount", RequestQueue.MaxReceiveCount)))));
        Assert.All(app.MainResources("AWS::SQS::Queue").Values, q => Assert.True((bool)q["Properties"]!["SqsManagedSseEnabled"]!));
    }

    [Fact]
    public void Both_queues_refuse_requests_without_tls()
    {
        foreach (var queue in app.MainResources("AWS::SQS::Queue").Keys)
        {
            Main.HasResourceProperties("AWS::SQS::QueuePolicy", Obj(
                ("Queues", new object[] { Ref(queue) }),
                ("PolicyDocument", Match.ObjectLike(Obj(("Statement", Match.ArrayWith(new object[]
                {
                    Match.ObjectLike(Obj(
                        ("Effect", "Deny"),
                        ("Principal", Obj(("AWS", "*"))),
                        ("Condition", Obj(("Bool", Obj(("aws:SecureTransport", "false"))))))),
                })))))));
        }
    }

    [Fact]
    public void Every_function_has_explicit_memory_timeout_json_logs_and_log_retention()
    {
        var functions = app.MainResources("AWS::Lambda::Function");
        Assert.Equal(2, functions.Count);
        foreach (var (_, function) in functions)
        {
            var properties = function["Properties"]!;
            Assert.Equal("provided.al2023", (string?)properties["Runtime"]);
            Assert.Equal("arm64", (string?)properties["Architectures"]![0]);
            Assert.Equal("bootstrap", (string?)properties["Handler"]);
            Assert.NotNull(properties["MemorySize"]);
            Assert.NotNull(properties["Timeout"]);
            Assert.Equal("JSON", (string?)properties["LoggingConfig"]!["LogFormat"]);
            // INFO keeps the metric lines, which carry no level and which Lambda files as INFO.
            Assert.Equal("INFO", (string?)properties["LoggingConfig"]!["ApplicationLogLevel"]);
            Assert.Equal("INFO", (string?)properties["LoggingConfig"]!["SystemLogLevel"]);
            var logGroup = (string)properties["LoggingConfig"]!["LogGroup"]!["Ref"]!;
            Assert.Equal(30, (int)app.MainJson["Resources"]![logGroup]!["Properties"]!["RetentionInDays"]!);
        }
    }

    [Theory]
    [InlineData("Dispatcher", ReplicatorStack.DispatcherMemoryMb, 480)]
    [InlineData("Poller", ReplicatorStack.PollerMemoryMb, ReplicatorStack.PollerTimeoutSeconds)]
    public void Each_function_gets_its_settings_and_the_validated_policy(string function, int memory, int timeout)
    {
        var table = app.MainLogicalId("AWS::DynamoDB::Table", "Jobs");
        var properties = app.MainResources("AWS::Lambda::Function")[app.MainLogicalId("AWS::Lambda::Function", function)]["Properties"]!;
        Assert.Equal(memory, (int)properties["MemorySize"]!);
        Assert.Equal(timeout, (int)properties["Timeout"]!);

        var variables = properties["Environment"]!["Variables"]!.AsObject();
        Assert.Equal(table, (string?)variables[FunctionEnvironment.TableName]!["Ref"]);
        Assert.Equal("AWS::AccountId", (string?)variables[FunctionEnvironment.AccountId]!["Ref"]);
        Assert.Equal(ReplicatorMetrics.Namespace, (string?)variables[FunctionEnvironment.MetricsNamespace]);
        var policyJson = (string)variables[FunctionEnvironment.Policy]!;
        Assert.Equal(app.Settings.PolicyJson, policyJson);

        // The functions read back exactly what synth validated.
        var policy = ReplicationPolicy.Parse(policyJson);
        Assert.Equal(app.Settings.Policy.Destinations, policy.Destinations);
        Assert.Equal(app.Settings.Policy.SourceRegions, policy.SourceRegions);
        Assert.Equal(app.Settings.Policy.Schedule, policy.Schedule);
        Assert.Equal(app.Settings.Policy.Retries, policy.Retries);
        Assert.Equal(app.Settings.Policy.Templates, policy.Templates);
        Assert.Equal(app.Settings.Policy.ExtraTags, policy.ExtraTags);
        Assert.Equal(app.Settings.Policy.DefaultBudget, policy.DefaultBudget);
    }

    [Fact]
    public void The_dispatcher_consumes_the_request_queue_with_partial_batch_responses_and_bounded_concurrency()
    {
        Main.ResourceCountIs("AWS::Lambda::EventSourceMapping", 1);
        Main.HasResourceProperties("AWS::Lambda::EventSourceMapping", Obj(
            ("EventSourceArn", GetAtt(app.MainLogicalId("AWS::SQS::Queue", "RequestQueue"), "Arn")),
            ("FunctionName", Ref(app.MainLogicalId("AWS::Lambda::Function", "Dispatcher"))),
            ("BatchSize", DispatcherTiming.ShippedBatchSize),
            ("MaximumBatchingWindowInSeconds", 2),
            ("FunctionResponseTypes", new object[] { "ReportBatchItemFailures" }),
            ("ScalingConfig", Obj(("MaximumConcurrency", ReplicatorStack.DispatcherMaxConcurrency)))));
    }

    [Fact]
    public void The_poller_runs_every_minute_and_no_function_reserves_concurrency()
    {
        var poller = app.MainLogicalId("AWS::Lambda::Function", "Poller");
        Main.HasResourceProperties("AWS::Events::Rule", Obj(
            ("ScheduleExpression", "rate(1 minute)"),
            ("State", "ENABLED"),
            ("Targets", new object[] { Match.ObjectLike(Obj(("Arn", GetAtt(poller, "Arn")))) })));
        Main.HasResourceProperties("AWS::Lambda::Function", Obj(
            ("Handler", "bootstrap"),
            ("Timeout", ReplicatorStack.PollerTimeoutSeconds)));
        // An account whose concurrency limit is 10 (new accounts) refuses any reservation.
        Assert.All(app.MainResources("AWS::Lambda::Function").Values, f => Assert.Null(f["Properties"]!["ReservedConcurrentExecutions"]));
        Main.HasResourceProperties("AWS::Lambda::EventSourceMapping", Obj(("ScalingConfig", Obj(("MaximumConcurrency", ReplicatorStack.DispatcherMaxConcurrency)))));
        Main.HasResourceProperties("AWS::Lambda::EventInvokeConfig", Obj(
            ("FunctionName", Ref(poller)),
            ("MaximumRetryAttempts", 0),
            ("MaximumEventAgeInSeconds", 120)));
    }

    [Fact]
    public void New_and_withdrawn_amis_of_the_source_regions_are_enqueued_as_whole_events()
    {
        Main.HasResourceProperties("AWS::Events::Rule", Obj(
            ("EventPattern", Obj(
                ("source", new object[] { "aws.ec2" }),
                ("detail-type", new object[] { "EC2 AMI State Change" }),
                ("resources", ImagesIn("us-east-1", "us-west-2")),
                ("detail", Obj(("State", new object[] { "available", "disabled", "deregistered" }))))),
            ("Targets", new object[]
            {
                Match.ObjectLike(Obj(
                    ("Arn", GetAtt(app.MainLogicalId("AWS::SQS::Queue", "RequestQueue"), "Arn")),
                    ("DeadLetterConfig", Obj(("Arn", GetAtt(app.MainLogicalId("AWS::SQS::Queue", "DeadLetterQueue"), "Arn")))),
                    // No Input/InputPath/InputTransformer: the message body is the event itself.
                    ("Input", Match.Absent()),
                    ("InputPath", Match.Absent()),
                    ("InputTransformer", Match.Absent()))),
            })));
    }

    [Fact]
    public void Copies_ending_in_a_destination_region_run_the_poller()
    {
        Main.HasResourceProperties("AWS::Events::Rule", Obj(
            ("EventPattern", Obj(
                ("source", new object[] { "aws.ec2" }),
                ("detail-type", new object[] { "EC2 AMI State Change" }),
                ("resources", ImagesIn("eu-west-1", "eu-central-1", "ap-southeast-2")),
                ("detail", Obj(("State", new object[] { "available", "failed" }))))),
            ("Targets", new object[] { Match.ObjectLike(Obj(("Arn", GetAtt(app.MainLogicalId("AWS::Lambda::Function", "Poller"), "Arn")))) })));
    }

    [Fact]
    public void Alarms_watch_dead_letters_failed_copies_and_old_waiting_jobs()
    {
        Main.HasResourceProperties("AWS::CloudWatch::Alarm", Obj(
            ("MetricName", "ApproximateNumberOfMessagesVisible"),
            ("Namespace", "AWS/SQS"),
            ("Dimensions", new object[] { Obj(("Name", "QueueName"), ("Value", GetAtt(app.MainLogicalId("AWS::SQS::Queue", "DeadLetterQueue"), "QueueName"))) }),
            ("ComparisonOperator", "GreaterThanOrEqualToThreshold"),
            ("Threshold", 1)));
        Main.HasResourceProperties("AWS::CloudWatch::Alarm", Obj(
            ("MetricName", ReplicatorMetrics.CopiesFailed.Name),
            ("Namespace", ReplicatorMetrics.Namespace),
            ("Statistic", "Sum"),
            ("Threshold", 1)));
        Main.HasResourceProperties("AWS::CloudWatch::Alarm", Obj(
            ("MetricName", ReplicatorMetrics.OldestWaitingJobAge.Name),
            ("Namespace", ReplicatorMetrics.Namespace),
            ("Statistic", "Maximum"),
            ("ComparisonOperator", "GreaterThanThreshold"),
            ("Threshold", ReplicatorMonitoring.OldestWaitingJobLimit.TotalSeconds)));
        Main.HasResourceProperties("AWS::CloudWatch::Alarm", Obj(
            ("MetricName", "Errors"),
            ("Namespace", "AWS/Lambda"),
            ("Dimensions", new object[] { Obj(("Name", "FunctionName"), ("Value", Ref(app.MainLogicalId("AWS::Lambda::Function", "Poller")))) })));
        Main.HasResourceProperties("AWS::CloudWatch::Alarm", Obj(
            ("MetricName", "ApproximateAgeOfOldestMessage"),
            ("Threshold", ReplicatorMonitoring.RequestAgeLimit.TotalSeconds)));
    }

    [Fact]
    public void Failed_copies_are_counted_from_the_metric_the_functions_publish_not_from_log_lines()
    {
        Main.ResourceCountIs("AWS::Logs::MetricFilter", 0);
        Main.HasResourceProperties("AWS::CloudWatch::Alarm", Obj(
            ("MetricName", ReplicatorMetrics.CopiesFailed.Name),
            ("Namespace", ReplicatorMetrics.Namespace),
            ("Dimensions", Amazon.CDK.Assertions.Match.Absent())));
    }

    [Fact]
    public void Every_alarm_notifies_the_stacks_own_topic_and_silence_of_the_poller_too()
    {
        var topic = app.MainLogicalId("AWS::SNS::Topic", "AlarmsTopic");
        var alarms = app.MainResources("AWS::CloudWatch::Alarm");
        Assert.Equal(app.Stacks.Main.Monitoring.Alarms.Count, alarms.Count);
        foreach (var (id, alarm) in alarms)
        {
            var properties = alarm["Properties"]!;
            Assert.Equal(topic, (string?)Assert.Single(properties["AlarmActions"]!.AsArray())!["Ref"]);
            Assert.Equal(topic, (string?)Assert.Single(properties["OKActions"]!.AsArray())!["Ref"]);
            var silenceMatters = (string?)properties["MetricName"] == ReplicatorMetrics.OldestWaitingJobAge.Name;
            Assert.Equal(silenceMatters, properties["InsufficientDataActions"] is not null);
            Assert.Equal(silenceMatters ? "missing" : "notBreaching", (string?)properties["TreatMissingData"]);
        }

        // Every pass publishes the oldest waiting age: a quarter of an hour without one (three 5-minute periods) is silence.
        Main.HasResourceProperties("AWS::CloudWatch::Alarm", Obj(
            ("MetricName", ReplicatorMetrics.OldestWaitingJobAge.Name),
            ("Period", 300),
            ("EvaluationPeriods", 3),
            ("DatapointsToAlarm", 1),
            ("InsufficientDataActions", new object[] { Ref(topic) })));
    }

    [Fact]
    public void The_alarm_topic_takes_only_cloudwatch_alarms_of_the_account_over_tls()
    {
        Main.ResourceCountIs("AWS::SNS::Topic", 1);
        Main.ResourceCountIs("AWS::SNS::Subscription", 0);
        Main.HasResourceProperties("AWS::SNS::TopicPolicy", Obj(("PolicyDocument", Match.ObjectLike(Obj(("Statement", Match.ArrayWith(new object[]
        {
            Match.ObjectLike(Obj(
                ("Effect", "Allow"),
                ("Principal", Obj(("Service", "cloudwatch.amazonaws.com"))),
                ("Action", "sns:Publish"),
                ("Condition", Match.ObjectLike(Obj(("StringEquals", Obj(("aws:SourceAccount", Ref("AWS::AccountId"))))))))),
            Match.ObjectLike(Obj(("Effect", "Deny"), ("Condition", Obj(("Bool", Obj(("aws:SecureTransport", "false"))))))),
        })))))));
        Main.HasOutput("AlarmTopicArn", Obj(("Value", Ref(app.MainLogicalId("AWS::SNS::Topic", "AlarmsTopic")))));
    }

    [Fact]
    public void A_dashboard_shows_the_replicator()
    {
        Main.ResourceCountIs("AWS::CloudWatch::Dashboard", 1);
        var body = app.MainResources("AWS::CloudWatch::Dashboard").Values.Single()["Properties"]!["DashboardBody"]!.ToJsonString();
        Assert.Contains(ReplicatorMetrics.CopiesFailed.Name, body, StringComparison.Ordinal);
        Assert.Contains(ReplicatorMetrics.OldestWaitingJobAge.Name, body, StringComparison.Ordinal);
        Assert.Contains("ApproximateNumberOfMessagesVisible", body, StringComparison.Ordinal);
    }

    [Fact]
    public void The_dashboard_graphs_each_destinations_copies_in_flight_against_its_budget_its_jobs_waiting_and_every_count_the_functions_publish()
    {
        // The body joins literal JSON with references (queue names, the region): put a stand-in for each reference, then read it.
        var join = app.MainResources("AWS::CloudWatch::Dashboard").Values.Single()["Properties"]!["DashboardBody"]!["Fn::Join"]!.AsArray();
        var body = JsonNode.Parse(string.Concat(join[1]!.AsArray().Select(p => p is JsonValue v ? v.GetValue<string>() : "ref")))!;
        var graphs = body["widgets"]!.AsArray().Select(w => w!["properties"]!).Where(p => p["metrics"] is not null)
            .ToDictionary(p => (string)p["title"]!, p => p["metrics"]!.AsArray().Select(m => m!.AsArray().Where(x => x is JsonValue).Select(x => x!.ToString()).ToArray()).ToList());

        foreach (var destination in app.Settings.Policy.Destinations.Select(d => d.Region))
        {
            Assert.Equal(
                [
                    [app.Settings.MetricsNamespace, ReplicatorMetrics.CopiesInFlight.Name, ReplicatorMetrics.DestinationDimension, destination],
                    [app.Settings.MetricsNamespace, ReplicatorMetrics.InFlightBudget.Name, ReplicatorMetrics.DestinationDimension, destination],
                ],
                graphs[$"In flight against budget: {destination}"]);
        }

        Assert.Equal(
            [.. app.Settings.Policy.Destinations.Select(d => new[] { app.Settings.MetricsNamespace, ReplicatorMetrics.JobsWaiting.Name, ReplicatorMetrics.DestinationDimension, d.Region })],
            graphs["Jobs waiting"]);

        var graphed = graphs.Values.SelectMany(metrics => metrics.Select(m => m[1])).ToHashSet();
        Assert.All(new[]
        {
            ReplicatorMetrics.CopiesStarted, ReplicatorMetrics.CopiesCompleted, ReplicatorMetrics.CopiesFailed, ReplicatorMetrics.CopiesCancelled,
            ReplicatorMetrics.BackPressure, ReplicatorMetrics.Repairs, ReplicatorMetrics.CopyDuration, ReplicatorMetrics.OldestWaitingJobAge,
            ReplicatorMetrics.JobsWaiting,
        }, m => Assert.Contains(m.Name, graphed));
    }

    /// <summary>The dashboard's widgets, each reference in its body (queue names, the region) read as "ref".</summary>
    private List<JsonObject> DashboardWidgets()
    {
        var join = app.MainResources("AWS::CloudWatch::Dashboard").Values.Single()["Properties"]!["DashboardBody"]!["Fn::Join"]!.AsArray();
        var body = JsonNode.Parse(string.Concat(join[1]!.AsArray().Select(p => p is JsonValue v ? v.GetValue<string>() : "ref")))!;
        return [.. body["widgets"]!.AsArray().Select(w => w!.AsObject())];
    }

    [Fact]
    public void The_dashboard_shows_the_alarm_states_first_then_what_they_watch_with_their_thresholds_drawn()
    {
        var widgets = DashboardWidgets();
        var first = widgets[0];
        Assert.Equal(("alarm", 0, 0), ((string)first["type"]!, (int)first["x"]!, (int)first["y"]!));
        Assert.Equal(6, first["properties"]!["alarms"]!.AsArray().Count);
        Assert.All(widgets.Skip(1), w => Assert.True((int)w["y"]! >= (int)first["height"]!));

        var graphs = widgets.Select(w => w["properties"]!.AsObject()).Where(p => p["metrics"] is not null).ToDictionary(p => (string)p["title"]!);
        double[] Thresholds(string title) => [.. graphs[title]["annotations"]?["horizontal"]?.AsArray().Select(a => (double)a!["value"]!) ?? []];
        Assert.Equal([1.0], Thresholds("Dead letters"));
        Assert.Equal([1.0], Thresholds("Copies failed per destination"));
        Assert.Equal([ReplicatorMonitoring.OldestWaitingJobLimit.TotalSeconds], Thresholds("Oldest waiting job per destination (s)"));
        Assert.Equal([ReplicatorMonitoring.RequestAgeLimit.TotalSeconds], Thresholds("Request queue"));
        Assert.Equal([1.0], Thresholds("Dispatcher"));
        Assert.Equal([3.0], Thresholds("Poller"));

        // Failures and waiting age per destination, beside the total the alarm reads.
        string[][] Lines(string title) =>
            [.. graphs[title]["metrics"]!.AsArray().Select(m => m!.AsArray().Where(x => x is JsonValue).Select(x => x!.ToString()).ToArray())];
        foreach (var (title, metric) in new[] { ("Copies failed per destination", ReplicatorMetrics.CopiesFailed), ("Oldest waiting job per destination (s)", ReplicatorMetrics.OldestWaitingJobAge) })
        {
            Assert.Equal(
                [
                    [app.Settings.MetricsNamespace, metric.Name],
                    .. app.Settings.Policy.Destinations.Select(d => new[] { app.Settings.MetricsNamespace, metric.Name, ReplicatorMetrics.DestinationDimension, d.Region }),
                ],
                Lines(title));
        }
    }

    [Fact]
    public void The_dashboard_graphs_every_dead_letter_queue_the_forwarding_stacks_in_their_own_regions()
    {
        var deadLetters = DashboardWidgets().Select(w => w["properties"]!).Single(p => (string?)p["title"] == "Dead letters")["metrics"]!.AsArray()
            .Select(m => m!.AsArray()).ToList();
        Assert.Equal(1 + app.Settings.ForwardingRegions.Count, deadLetters.Count);
        foreach (var region in app.Settings.ForwardingRegions)
        {
            var queueName = $"AmiReplicator-Forward-{region}-DLQ";
            var line = Assert.Single(deadLetters, m => m.Any(x => x is JsonValue && x.ToString() == queueName));
            Assert.Equal(region, (string?)line.OfType<JsonObject>().Single()["region"]);
            app.Forwarding[region].HasResourceProperties("AWS::SQS::Queue", Obj(("QueueName", queueName)));
        }
    }

    [Fact]
    public void Synth_warns_for_each_stack_whose_alarm_topic_no_one_is_subscribed_to()
    {
        // The shipped cdk.json names no alarmEmail and no alarmTopicArns.
        foreach (var stack in app.Stacks.Forwarding.Cast<Amazon.CDK.Stack>().Prepend(app.Stacks.Main))
        {
            Assert.Single(Annotations.FromStack(stack).FindWarning("*",
                Match.StringLikeRegexp($"No one is subscribed to the alarm topic of {stack.StackName} \\({stack.Region}\\)")));
        }
    }

    /// <summary>Matches the images of these regions by ARN prefix, as the rules do.</summary>
    internal static object[] ImagesIn(params string[] regions) =>
        [.. regions.Select(r => Obj(("prefix", Obj(("Fn::Join", new object[] { "", new object[] { "arn:", Ref("AWS::Partition"), $":ec2:{r}::image/" } })))))];

    [Fact]
    public void Outputs_name_the_table_and_the_queue()
    {
        Main.HasOutput("TableName", Obj(("Value", Ref(app.MainLogicalId("AWS::DynamoDB::Table", "Jobs")))));
        Main.HasOutput("RequestQueueUrl", Obj(("Value", Ref(app.MainLogicalId("AWS::SQS::Queue", "RequestQueue")))));
        Main.HasOutput("RequestQueueName", Obj(("Value", GetAtt(app.MainLogicalId("AWS::SQS::Queue", "RequestQueue"), "QueueName"))));
    }
}
