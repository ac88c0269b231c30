using Amazon.CDK;
using Amazon.CDK.AWS.CloudWatch;
using Amazon.CDK.AWS.Events;
using Amazon.CDK.AWS.SQS;
using AmiReplicator.Contract;
using EventBus = Amazon.CDK.AWS.Events.EventBus;
using EventBusTarget = Amazon.CDK.AWS.Events.Targets.EventBus;

namespace AmiReplicator.Infra;

/// <summary>
/// A rule forwarding a region's AMI events to the home region's default bus, with an encrypted dead-letter queue for those that
/// cannot be forwarded and an alarm on it: the forwarding stacks' (other regions of the home account) and the spoke's (the target
/// accounts). Made as the stack's own children, so the forwarding stacks keep the logical ids they had.
/// </summary>
internal static class AmiEventForwarding
{
    /// <summary>One event that could not be forwarded is an alarm (and the home stack's dashboard draws the line there).</summary>
    public const double DeadLetterThreshold = 1;

    /// <summary>
    /// The forwarding stack's dead-letter queue's name, fixed so that the home stack's dashboard can graph it in its region (a name
    /// CloudFormation generates is not known to another region's stack).
    /// </summary>
    public static string DeadLetterQueueName(string forwardingStackName) => $"{forwardingStackName}-DLQ";

    /// <param name="deadLetterQueueName">Null: CloudFormation names it (the spoke's, deployed into every target account).</param>
    public static Rule AddTo(Stack stack, Nag nag, AlarmNotifications alarms, string homeBusArn, AmiEventPatterns forwarded, string description, string lostEvents,
        string? deadLetterQueueName = null)
    {
        var deadLetterQueue = new Queue(stack, "ForwardingDeadLetterQueue", new QueueProps
        {
            QueueName = deadLetterQueueName,
            Encryption = QueueEncryption.SQS_MANAGED,
            EnforceSSL = true,
            RetentionPeriod = Duration.Days(14),
        });
        nag.Suppress(deadLetterQueue, new NagSuppression("AwsSolutions-SQS3",
            "This queue is itself the dead-letter queue of the forwarding rule; a DLQ of a DLQ would only move the problem."),
            new NagSuppression("Serverless-SQSRedrivePolicy",
                "Nothing consumes this dead-letter queue: its alarm asks a person to look, so there is no redelivery to bound."));

        var homeBus = EventBus.FromEventBusArn(stack, "HomeBus", homeBusArn);
        var forwardRule = new Rule(stack, "ForwardAmiEvents", new RuleProps
        {
            Description = description,
            EventPattern = ReplicatorStack.AmiEvents(forwarded, regions: null),
        });
        forwardRule.AddTarget(new EventBusTarget(homeBus, new Amazon.CDK.AWS.Events.Targets.EventBusProps { DeadLetterQueue = deadLetterQueue }));

        alarms.CreateAlarm(stack, "ForwardingDeadLetters", lostEvents,
            deadLetterQueue.MetricApproximateNumberOfMessagesVisible(new MetricOptions { Statistic = "Maximum", Period = Duration.Minutes(5) }), DeadLetterThreshold,
            ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD);
        return forwardRule;
    }
}
