using Amazon.CDK;
using Amazon.CDK.AWS.CloudWatch;
using AmiReplicator.Contract;
using Constructs;

namespace AmiReplicator.Infra;

/// <summary>Alarms for what must not go unseen (dead letters, failed copies, copies stuck waiting, failing passes) and a dashboard.</summary>
internal sealed class ReplicatorMonitoring : Construct
{
    public static readonly TimeSpan OldestWaitingJobLimit = TimeSpan.FromHours(6);
    public static readonly TimeSpan RequestAgeLimit = TimeSpan.FromMinutes(15);

    /// <summary>With a cron schedule the poller's period is not known here: its silence alarm assumes a pass at least every hour.</summary>
    public static readonly TimeSpan AssumedCronInterval = TimeSpan.FromHours(1);

    public ReplicatorMonitoring(Construct scope, string id, ReplicatorStack stack, DeploymentSettings settings, AlarmNotifications notifications)
        : base(scope, id)
    {
        var copiesFailed = ReplicatorMetric(settings, ReplicatorMetrics.CopiesFailed, "Sum");
        var (silencePeriod, silencePeriods) = SilenceWindow(settings.Policy.Schedule);
        var oldestWaiting = new Metric(new MetricProps
        {
            Namespace = settings.MetricsNamespace,
            MetricName = ReplicatorMetrics.OldestWaitingJobAge.Name,
            Statistic = "Maximum",
            Period = Duration.Seconds(silencePeriod.TotalSeconds),
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
            AlarmDescription = $"A copy has waited for a budget slot more than {OldestWaitingJobLimit.TotalHours} hours: budgets too small, or slots held by copies that never finish. "
                + "INSUFFICIENT_DATA: the poller has not finished a pass for a while (every pass publishes this metric): see PollerErrors and its logs.",
            Metric = oldestWaiting,
            Threshold = OldestWaitingJobLimit.TotalSeconds,
            ComparisonOperator = ComparisonOperator.GREATER_THAN_THRESHOLD,
            // Any period above the limit alarms; only a whole window without a pass (several of the schedule's intervals) is silence.
            EvaluationPeriods = silencePeriods,
            DatapointsToAlarm = 1,
            // No data means the poller is not publishing: left as INSUFFICIENT_DATA, which notifies too.
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
        foreach (var alarm in Alarms)
        {
            notifications.Notify(alarm, silenceIsTrouble: alarm == OldestWaitingJobAlarm);
        }

        Dashboard = new Dashboard(this, "Dashboard", new DashboardProps
        {
            DefaultInterval = Duration.Hours(6),
            Widgets =
            [
                .. InFlightAgainstBudget(settings),
                [
                    Graph("Copies", [.. new[]
                    {
                        ReplicatorMetrics.CopiesStarted, ReplicatorMetrics.CopiesCompleted, ReplicatorMetrics.CopiesFailed, ReplicatorMetrics.CopiesCancelled,
                        ReplicatorMetrics.CopiesRemovedByRetention,
                    }.Select(m => ReplicatorMetric(settings, m, "Sum"))]),
                    Graph("Back-pressure and repairs", [.. new[] { ReplicatorMetrics.BackPressure, ReplicatorMetrics.Repairs, ReplicatorMetrics.JobStepErrors }
                        .Select(m => ReplicatorMetric(settings, m, "Sum"))]),
                    Graph("Copy duration (s)", ReplicatorMetric(settings, ReplicatorMetrics.CopyDuration, "p90"), ReplicatorMetric(settings, ReplicatorMetrics.CopyDuration, "Maximum")),
                    JobsWaiting(settings),
                ],
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

    /// <summary>
    /// The period of the poller's metric and how many of them make a silence worth a notification: at least 15 minutes and three
    /// of the schedule's intervals, so one late or failed pass does not count.
    /// </summary>
    public static (TimeSpan Period, int Periods) SilenceWindow(string schedule)
    {
        var interval = PollInterval(schedule) ?? AssumedCronInterval;
        var window = TimeSpan.FromTicks(Math.Max(TimeSpan.FromMinutes(15).Ticks, interval.Ticks * 3));
        // CloudWatch evaluates at most a day of 5-minute periods, or 7 days of hourly ones.
        var period = window <= TimeSpan.FromDays(1) ? TimeSpan.FromMinutes(5) : TimeSpan.FromHours(1);
        var periods = (int)Math.Ceiling(Math.Min(window.TotalSeconds, TimeSpan.FromDays(7).TotalSeconds) / period.TotalSeconds);
        return (period, periods);
    }

    /// <summary>The interval of a <c>rate(...)</c> schedule; null for a cron expression.</summary>
    public static TimeSpan? PollInterval(string schedule)
    {
        if (!schedule.StartsWith("rate(", StringComparison.Ordinal))
        {
            return null;
        }

        var parts = schedule["rate(".Length..^1].Split(' ');
        var count = int.Parse(parts[0], System.Globalization.CultureInfo.InvariantCulture);
        return parts[1].TrimEnd('s') switch
        {
            "minute" => TimeSpan.FromMinutes(count),
            "hour" => TimeSpan.FromHours(count),
            _ => TimeSpan.FromDays(count),
        };
    }

    /// <summary>A row of graphs per four destinations: each one's copies in flight against its budget (both published by every poller pass).</summary>
    private static IEnumerable<IWidget[]> InFlightAgainstBudget(DeploymentSettings settings) =>
        settings.Policy.Destinations.Select(d => d.Region).Chunk(4).Select(regions => regions.Select(region => (IWidget)Graph($"In flight against budget: {region}",
            ReplicatorMetric(settings, ReplicatorMetrics.CopiesInFlight, "Maximum", region),
            ReplicatorMetric(settings, ReplicatorMetrics.InFlightBudget, "Maximum", region))).ToArray());

    /// <summary>
    /// One graph, a line per destination, so the backlogs compare at a glance. JobsWaiting is a level with no sum over
    /// destinations, published every few minutes: the maximum of a period is the backlog it saw.
    /// </summary>
    private static GraphWidget JobsWaiting(DeploymentSettings settings) =>
        Graph("Jobs waiting", [.. settings.Policy.Destinations.Select(d => ReplicatorMetric(settings, ReplicatorMetrics.JobsWaiting, "Maximum", d.Region))]);

    /// <summary>One of the functions' metrics: for one destination, or (where it is published so) over all of them.</summary>
    private static Metric ReplicatorMetric(DeploymentSettings settings, MetricDefinition metric, string statistic, string? destinationRegion = null) => new(new MetricProps
    {
        Namespace = settings.MetricsNamespace,
        MetricName = metric.Name,
        Statistic = statistic,
        Period = Duration.Minutes(5),
        DimensionsMap = destinationRegion is null ? null : new Dictionary<string, string> { [ReplicatorMetrics.DestinationDimension] = destinationRegion },
    });

    private static GraphWidget Graph(string title, params IMetric[] metrics) =>
        new(new GraphWidgetProps { Title = title, Left = metrics, Width = 6, Height = 6 });
}
