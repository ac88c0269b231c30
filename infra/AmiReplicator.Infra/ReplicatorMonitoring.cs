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
    private static readonly TimeSpan AssumedCronInterval = TimeSpan.FromHours(1);

    public ReplicatorMonitoring(Construct scope, string id, ReplicatorMonitoringProps props)
        : base(scope, id)
    {
        var notifications = props.Notifications;
        var copiesFailed = ReplicatorMetric(props.MetricsNamespace, ReplicatorMetrics.CopiesFailed, "Sum");
        var (silencePeriod, silencePeriods) = SilenceWindow(props.Schedule);
        var oldestWaiting = new Metric(new MetricProps
        {
            Namespace = props.MetricsNamespace,
            MetricName = ReplicatorMetrics.OldestWaitingJobAge.Name,
            Statistic = "Maximum",
            Period = Duration.Seconds(silencePeriod.TotalSeconds),
        });
        var deadLetters = props.Requests.DeadLetterQueue.MetricApproximateNumberOfMessagesVisible(new MetricOptions
        {
            Statistic = "Maximum",
            Period = Duration.Minutes(1),
        });
        var oldestRequest = props.Requests.Queue.MetricApproximateAgeOfOldestMessage(new MetricOptions
        {
            Statistic = "Maximum",
            Period = Duration.Minutes(5),
        });

        var deadLettersAlarm = notifications.CreateAlarm(this, "DeadLetters",
            "Copy requests failed for good and wait in the DLQ: read them, fix the cause, redrive them to the request queue.",
            deadLetters, AmiEventForwarding.DeadLetterThreshold, ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD);
        var copiesFailedAlarm = notifications.CreateAlarm(this, "CopiesFailed",
            "Copies failed for good (retries used up, or refused): the job table says why; a manual request retries them.",
            copiesFailed, 1, ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD);
        var oldestWaitingAlarm = notifications.CreateAlarm(this, "OldestWaitingJob",
            $"A copy has waited for a budget slot more than {OldestWaitingJobLimit.TotalHours} hours: budgets too small, or slots held by copies that never finish. "
            + "INSUFFICIENT_DATA: the poller has not finished a pass for a while (every pass publishes this metric): see PollerErrors and its logs.",
            oldestWaiting, OldestWaitingJobLimit.TotalSeconds, ComparisonOperator.GREATER_THAN_THRESHOLD,
            // Any period above the limit alarms; only a whole window without a pass (several of the schedule's intervals) is silence.
            periods: silencePeriods, datapointsToAlarm: 1,
            // No data means the poller is not publishing: left as INSUFFICIENT_DATA, which notifies too.
            missingData: TreatMissingData.MISSING);
        var oldestRequestAlarm = notifications.CreateAlarm(this, "OldestRequest",
            $"A copy request has waited in the queue more than {RequestAgeLimit.TotalMinutes} minutes: the dispatcher is not keeping up or keeps failing.",
            oldestRequest, RequestAgeLimit.TotalSeconds, ComparisonOperator.GREATER_THAN_THRESHOLD);
        var pollerErrorsAlarm = notifications.CreateAlarm(this, "PollerErrors",
            "Poller passes keep failing (a destination region could not be polled): copies are not being finished or started.",
            props.Poller.MetricErrors(new MetricOptions { Statistic = "Sum", Period = Duration.Minutes(5) }), 3,
            ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD);
        var dispatcherErrorsAlarm = notifications.CreateAlarm(this, "DispatcherErrors",
            "Dispatcher invocations failed as a whole (not single messages): every message of those batches is redelivered.",
            props.Dispatcher.MetricErrors(new MetricOptions { Statistic = "Sum", Period = Duration.Minutes(5) }), 1,
            ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD);
        Alarms = [deadLettersAlarm, copiesFailedAlarm, oldestWaitingAlarm, oldestRequestAlarm, pollerErrorsAlarm, dispatcherErrorsAlarm];

        // On-call reads it top down: which alarm is on, then what it watches (the alarm's threshold drawn), per destination, then the rest.
        Dashboard = new Dashboard(this, "Dashboard", new DashboardProps
        {
            DefaultInterval = Duration.Hours(6),
            Widgets =
            [
                [new AlarmStatusWidget(new AlarmStatusWidgetProps { Title = "Alarms", Alarms = [.. Alarms], Width = 24, Height = 3 })],
                [
                    Graph("Dead letters", [deadLettersAlarm.ToAnnotation()], [deadLetters.With(new MetricOptions { Label = $"requests ({Stack.Of(this).Region})" }),
                        .. props.ForwardingDeadLetterQueues.Select(q => ForwardingDeadLetters(q.Key, q.Value))]),
                    Graph("Copies failed per destination", [copiesFailedAlarm.ToAnnotation()],
                        [copiesFailed.With(new MetricOptions { Label = "all destinations" }),
                            .. PerDestination(props, ReplicatorMetrics.CopiesFailed, "Sum")]),
                    Graph("Oldest waiting job per destination (s)", [oldestWaitingAlarm.ToAnnotation()],
                        [oldestWaiting.With(new MetricOptions { Label = "all destinations" }),
                            .. PerDestination(props, ReplicatorMetrics.OldestWaitingJobAge, "Maximum")]),
                    Graph("Request queue", [oldestRequestAlarm.ToAnnotation()],
                        [oldestRequest, props.Requests.Queue.MetricApproximateNumberOfMessagesVisible()]),
                ],
                .. InFlightAgainstBudget(props.MetricsNamespace, props.DestinationRegions),
                [
                    Graph("Copies", [.. new[]
                    {
                        ReplicatorMetrics.CopiesStarted, ReplicatorMetrics.CopiesCompleted, ReplicatorMetrics.CopiesFailed, ReplicatorMetrics.CopiesCancelled,
                        ReplicatorMetrics.CopiesRemovedByRetention,
                    }.Select(m => ReplicatorMetric(props.MetricsNamespace, m, "Sum"))]),
                    Graph("Back-pressure and repairs", [.. new[] { ReplicatorMetrics.BackPressure, ReplicatorMetrics.Repairs, ReplicatorMetrics.JobStepErrors }
                        .Select(m => ReplicatorMetric(props.MetricsNamespace, m, "Sum"))]),
                    Graph("Copy duration (s)", ReplicatorMetric(props.MetricsNamespace, ReplicatorMetrics.CopyDuration, "p90"),
                        ReplicatorMetric(props.MetricsNamespace, ReplicatorMetrics.CopyDuration, "Maximum")),
                    JobsWaiting(props.MetricsNamespace, props.DestinationRegions),
                ],
                [
                    Graph("Dispatcher", [dispatcherErrorsAlarm.ToAnnotation()],
                        [props.Dispatcher.MetricInvocations(), props.Dispatcher.MetricErrors(), props.Dispatcher.MetricThrottles()]),
                    Graph("Dispatcher duration (ms)", props.Dispatcher.MetricDuration(new MetricOptions { Statistic = "p99" })),
                    Graph("Poller", [pollerErrorsAlarm.ToAnnotation()], [props.Poller.MetricInvocations(), props.Poller.MetricErrors(), props.Poller.MetricThrottles()]),
                    Graph("Poller duration (ms)", props.Poller.MetricDuration(new MetricOptions { Statistic = "p99" })),
                ],
            ],
        });
    }

    public IReadOnlyList<Alarm> Alarms { get; }
    public Dashboard Dashboard { get; }

    /// <summary>
    /// The period of the poller's metric and how many of them make a silence worth a notification: at least 15 minutes and three
    /// of the schedule's intervals, so one late or failed pass does not count.
    /// </summary>
    private static (TimeSpan Period, int Periods) SilenceWindow(string schedule)
    {
        var interval = PollInterval(schedule) ?? AssumedCronInterval;
        var window = TimeSpan.FromTicks(Math.Max(TimeSpan.FromMinutes(15).Ticks, interval.Ticks * 3));
        // CloudWatch evaluates at most a day of 5-minute periods, or 7 days of hourly ones.
        var period = window <= TimeSpan.FromDays(1) ? TimeSpan.FromMinutes(5) : TimeSpan.FromHours(1);
        var periods = (int)Math.Ceiling(Math.Min(window.TotalSeconds, TimeSpan.FromDays(7).TotalSeconds) / period.TotalSeconds);
        return (period, periods);
    }

    /// <summary>The interval of a <c>rate(...)</c> schedule; null for a cron expression.</summary>
    private static TimeSpan? PollInterval(string schedule)
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
    private static IEnumerable<IWidget[]> InFlightAgainstBudget(string metricsNamespace, IEnumerable<string> destinationRegions) =>
        destinationRegions.Chunk(4).Select(regions => regions.Select(region => (IWidget)Graph($"In flight against budget: {region}",
            ReplicatorMetric(metricsNamespace, ReplicatorMetrics.CopiesInFlight, "Maximum", region),
            ReplicatorMetric(metricsNamespace, ReplicatorMetrics.InFlightBudget, "Maximum", region))).ToArray());

    /// <summary>
    /// One graph, a line per destination, so the backlogs compare at a glance. JobsWaiting is a level with no sum over
    /// destinations, published every few minutes: the maximum of a period is the backlog it saw.
    /// </summary>
    private static GraphWidget JobsWaiting(string metricsNamespace, IEnumerable<string> destinationRegions) =>
        Graph("Jobs waiting", [.. destinationRegions.Select(region => ReplicatorMetric(metricsNamespace, ReplicatorMetrics.JobsWaiting, "Maximum", region))]);

    /// <summary>One of the functions' metrics: for one destination, or (where it is published so) over all of them.</summary>
    private static Metric ReplicatorMetric(string metricsNamespace, MetricDefinition metric, string statistic, string? destinationRegion = null) => new(new MetricProps
    {
        Namespace = metricsNamespace,
        MetricName = metric.Name,
        Statistic = statistic,
        Period = Duration.Minutes(5),
        DimensionsMap = destinationRegion is null ? null : new Dictionary<string, string> { [ReplicatorMetrics.DestinationDimension] = destinationRegion },
    });

    /// <summary>A line per destination of one of the functions' metrics.</summary>
    private static IEnumerable<IMetric> PerDestination(ReplicatorMonitoringProps props, MetricDefinition metric, string statistic) =>
        props.DestinationRegions.Select(region => ReplicatorMetric(props.MetricsNamespace, metric, statistic, region)
            .With(new MetricOptions { Label = region }));

    /// <summary>
    /// A forwarding stack's dead letters, read in its region (the dashboard's widgets name the region of a metric of another one), by the
    /// name the forwarding stack gives the queue.
    /// </summary>
    private static Metric ForwardingDeadLetters(string region, string queueName) => new(new MetricProps
    {
        Namespace = "AWS/SQS",
        MetricName = "ApproximateNumberOfMessagesVisible",
        DimensionsMap = new Dictionary<string, string> { ["QueueName"] = queueName },
        Statistic = "Maximum",
        Period = Duration.Minutes(5),
        Region = region,
        Label = $"forwarding ({region})",
    });

    private static GraphWidget Graph(string title, params IMetric[] metrics) => Graph(title, [], metrics);

    /// <summary>A graph with the thresholds of the alarms on its metrics drawn across it.</summary>
    private static GraphWidget Graph(string title, IHorizontalAnnotation[] thresholds, IMetric[] metrics) =>
        new(new GraphWidgetProps { Title = title, Left = metrics, LeftAnnotations = thresholds, Width = 6, Height = 6 });
}
