using Amazon.CDK;
using Amazon.CDK.AWS.CloudWatch;
using Amazon.CDK.AWS.CloudWatch.Actions;
using Amazon.CDK.AWS.SNS;
using AmiReplicator.Contract;
using Constructs;

namespace AmiReplicator.Infra;

/// <summary>Alarms for what must not go unseen (dead letters, failed copies, copies stuck waiting, failing passes) and a dashboard.</summary>
public sealed class ReplicatorMonitoring : Construct
{
    public static readonly TimeSpan OldestWaitingJobLimit = TimeSpan.FromHours(6);
    public static readonly TimeSpan RequestAgeLimit = TimeSpan.FromMinutes(15);

    public ReplicatorMonitoring(Construct scope, string id, ReplicatorStack stack, DeploymentSettings settings)
        : base(scope, id)
    {
        var copiesFailed = new Metric(new MetricProps
        {
            Namespace = ReplicatorMetrics.Namespace,
            MetricName = ReplicatorMetrics.CopiesFailed.Name,
            Statistic = "Sum",
            Period = Duration.Minutes(5),
        });
        var oldestWaiting = new Metric(new MetricProps
        {
            Namespace = ReplicatorMetrics.Namespace,
            MetricName = ReplicatorMetrics.OldestWaitingJobAge.Name,
            Statistic = "Maximum",
            Period = Duration.Minutes(5),
        });
        var deadLetters = stack.DeadLetterQueue.MetricApproximateNumberOfMessagesVisible(new MetricOptions
        {
            Statistic = "Maximum",
            Period = Duration.Minutes(1),
        });
        var oldestRequest = stack.RequestQueue.MetricApproximateAgeOfOldestMessage(new MetricOptions
        {
            Statistic = "Maximum",
            Period = Duration.Minutes(5),
        });

        DeadLettersAlarm = new Alarm(this, "DeadLetters", new AlarmProps
        {
            AlarmDescription = "Copy requests failed for good and wait in the DLQ: read them, fix the cause, redrive them to the request queue.",
            Metric = deadLetters,
            Threshold = 1,
            ComparisonOperator = ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            EvaluationPeriods = 1,
            TreatMissingData = TreatMissingData.NOT_BREACHING,
        });
        CopiesFailedAlarm = new Alarm(this, "CopiesFailed", new AlarmProps
        {
            AlarmDescription = "Copies failed for good (retries used up, or refused): the job table says why; a manual request retries them.",
            Metric = copiesFailed,
            Threshold = 1,
            ComparisonOperator = ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            EvaluationPeriods = 1,
            TreatMissingData = TreatMissingData.NOT_BREACHING,
        });
        OldestWaitingJobAlarm = new Alarm(this, "OldestWaitingJob", new AlarmProps
        {
            AlarmDescription = $"A copy has waited for a budget slot more than {OldestWaitingJobLimit.TotalHours} hours: budgets too small, or slots held by copies that never finish.",
            Metric = oldestWaiting,
            Threshold = OldestWaitingJobLimit.TotalSeconds,
            ComparisonOperator = ComparisonOperator.GREATER_THAN_THRESHOLD,
            EvaluationPeriods = 1,
            // No data means the poller is not publishing: left as INSUFFICIENT_DATA, so that shows too.
            TreatMissingData = TreatMissingData.MISSING,
        });
        OldestRequestAlarm = new Alarm(this, "OldestRequest", new AlarmProps
        {
            AlarmDescription = $"A copy request has waited in the queue more than {RequestAgeLimit.TotalMinutes} minutes: the dispatcher is not keeping up or keeps failing.",
            Metric = oldestRequest,
            Threshold = RequestAgeLimit.TotalSeconds,
            ComparisonOperator = ComparisonOperator.GREATER_THAN_THRESHOLD,
            EvaluationPeriods = 1,
            TreatMissingData = TreatMissingData.NOT_BREACHING,
        });
        PollerErrorsAlarm = new Alarm(this, "PollerErrors", new AlarmProps
        {
            AlarmDescription = "Poller passes keep failing (a destination region could not be polled): copies are not being finished or started.",
            Metric = stack.Poller.MetricErrors(new MetricOptions { Statistic = "Sum", Period = Duration.Minutes(5) }),
            Threshold = 3,
            ComparisonOperator = ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            EvaluationPeriods = 1,
            TreatMissingData = TreatMissingData.NOT_BREACHING,
        });
        DispatcherErrorsAlarm = new Alarm(this, "DispatcherErrors", new AlarmProps
        {
            AlarmDescription = "Dispatcher invocations failed as a whole (not single messages): every message of those batches is redelivered.",
            Metric = stack.Dispatcher.MetricErrors(new MetricOptions { Statistic = "Sum", Period = Duration.Minutes(5) }),
            Threshold = 1,
            ComparisonOperator = ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            EvaluationPeriods = 1,
            TreatMissingData = TreatMissingData.NOT_BREACHING,
        });

        Alarms = [DeadLettersAlarm, CopiesFailedAlarm, OldestWaitingJobAlarm, OldestRequestAlarm, PollerErrorsAlarm, DispatcherErrorsAlarm];
        if (settings.AlarmTopicArn is { } topicArn)
        {
            var topic = Topic.FromTopicArn(this, "AlarmTopic", topicArn);
            foreach (var alarm in Alarms)
            {
                alarm.AddAlarmAction(new SnsAction(topic));
            }
        }

        Dashboard = new Dashboard(this, "Dashboard", new DashboardProps
        {
            DefaultInterval = Duration.Hours(6),
            Widgets =
            [
                [new AlarmStatusWidget(new AlarmStatusWidgetProps { Title = "Alarms", Alarms = [.. Alarms], Width = 24, Height = 3 })],
                [
                    Graph("Copies failed", copiesFailed),
                    Graph("Oldest waiting job (s)", oldestWaiting),
                    Graph("Request queue", stack.RequestQueue.MetricApproximateNumberOfMessagesVisible(), oldestRequest),
                    Graph("Dead letters", deadLetters),
                ],
                [
                    Graph("Dispatcher", stack.Dispatcher.MetricInvocations(), stack.Dispatcher.MetricErrors(), stack.Dispatcher.MetricThrottles()),
                    Graph("Dispatcher duration (ms)", stack.Dispatcher.MetricDuration(new MetricOptions { Statistic = "p99" })),
                    Graph("Poller", stack.Poller.MetricInvocations(), stack.Poller.MetricErrors(), stack.Poller.MetricThrottles()),
                    Graph("Poller duration (ms)", stack.Poller.MetricDuration(new MetricOptions { Statistic = "p99" })),
                ],
            ],
        });
    }

    public Alarm DeadLettersAlarm { get; }
    public Alarm CopiesFailedAlarm { get; }
    public Alarm OldestWaitingJobAlarm { get; }
    public Alarm OldestRequestAlarm { get; }
    public Alarm PollerErrorsAlarm { get; }
    public Alarm DispatcherErrorsAlarm { get; }
    public IReadOnlyList<Alarm> Alarms { get; }
    public Dashboard Dashboard { get; }

    private static GraphWidget Graph(string title, params IMetric[] metrics) =>
        new(new GraphWidgetProps { Title = title, Left = metrics, Width = 6, Height = 6 });
}
