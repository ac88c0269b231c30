using Amazon.CDK.AWS.Lambda;

namespace AmiReplicator.Infra;

/// <summary>What <see cref="ReplicatorMonitoring"/> watches, and the settings its alarms and graphs read.</summary>
/// <param name="Dispatcher">Its errors alarm; graphed with its invocations, throttles and duration.</param>
/// <param name="Poller">The same; the silence of its passes is the oldest-waiting-job alarm's missing data.</param>
/// <param name="Requests">The request queue's age and depth, and its dead letters.</param>
/// <param name="Notifications">The topic every alarm notifies.</param>
/// <param name="MetricsNamespace">Where the functions publish their metrics (<see cref="DeploymentSettings.MetricsNamespace"/>).</param>
/// <param name="Schedule">The poller's schedule: how long without a pass is silence.</param>
/// <param name="DestinationRegions">A graph of copies in flight and a line of jobs waiting, waiting age and failures per destination.</param>
/// <param name="ForwardingDeadLetterQueues">The forwarding stacks' dead-letter queues by region, graphed beside the request queue's.</param>
internal sealed record ReplicatorMonitoringProps(
    IFunction Dispatcher,
    IFunction Poller,
    RequestQueue Requests,
    AlarmNotifications Notifications,
    string MetricsNamespace,
    string Schedule,
    IReadOnlyList<string> DestinationRegions,
    IReadOnlyDictionary<string, string> ForwardingDeadLetterQueues);
