using Amazon.CDK;
using Amazon.CDK.AWS.CloudWatch;
using Amazon.CDK.AWS.Events;
using Amazon.CDK.AWS.SQS;
using AmiReplicator.Contract;
using Constructs;
using EventBus = Amazon.CDK.AWS.Events.EventBus;
using EventBusTarget = Amazon.CDK.AWS.Events.Targets.EventBus;

namespace AmiReplicator.Infra;

/// <summary>
/// A region other than home: its AMI events go to the home region's default bus, so one set of budgets governs every copy.
/// A source region forwards new AMIs (<c>available</c>); a destination region forwards its copies ending (<c>available</c>, <c>failed</c>).
/// </summary>
internal sealed class ForwardingStack : Stack
{
    public ForwardingStack(Construct scope, string id, IStackProps props, DeploymentSettings settings, bool isSource, bool isDestination)
        : base(scope, id, props)
    {
        var nag = new Nag();
        var forwarded = AmiEventPatterns.Forwarded(isSource, isDestination);

        var deadLetterQueue = new Queue(this, "ForwardingDeadLetterQueue", new QueueProps
        {
            Encryption = QueueEncryption.SQS_MANAGED,
            EnforceSSL = true,
            RetentionPeriod = Duration.Days(14),
        });
        nag.Suppress(deadLetterQueue, new NagSuppression("AwsSolutions-SQS3",
            "This queue is itself the dead-letter queue of the forwarding rule; a DLQ of a DLQ would only move the problem."),
            new NagSuppression("Serverless-SQSRedrivePolicy",
                "Nothing consumes this dead-letter queue: its alarm asks a person to look, so there is no redelivery to bound."));

        var homeBus = EventBus.FromEventBusArn(this, "HomeBus", $"arn:{Aws.PARTITION}:events:{settings.HomeRegion}:{Aws.ACCOUNT_ID}:event-bus/default");
        var forwardRule = new Rule(this, "ForwardAmiEvents", new RuleProps
        {
            Description = (isSource, isDestination) switch
            {
                (true, true) => $"New and withdrawn AMIs and finished copies in {Region}: forward to the replicator in {settings.HomeRegion}.",
                (true, false) => $"New and withdrawn AMIs in {Region}: forward to the replicator in {settings.HomeRegion}.",
                _ => $"Copies finishing in {Region}: forward to the replicator in {settings.HomeRegion}.",
            },
            EventPattern = ReplicatorStack.AmiEvents(forwarded, regions: null),
        });
        forwardRule.AddTarget(new EventBusTarget(homeBus, new Amazon.CDK.AWS.Events.Targets.EventBusProps { DeadLetterQueue = deadLetterQueue }));

        new AlarmNotifications(this, "Alarms", nag, settings).CreateAlarm(this, "ForwardingDeadLetters",
            $"AMI events of {Region} could not be forwarded to {settings.HomeRegion}: new AMIs in them were not replicated; send copy requests for them by hand.",
            deadLetterQueue.MetricApproximateNumberOfMessagesVisible(new MetricOptions { Statistic = "Maximum", Period = Duration.Minutes(5) }), 1,
            ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD);
    }
}
