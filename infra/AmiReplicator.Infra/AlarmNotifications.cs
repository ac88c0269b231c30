using Amazon.CDK;
using Amazon.CDK.AWS.CloudWatch;
using Amazon.CDK.AWS.CloudWatch.Actions;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.SNS;
using Amazon.CDK.AWS.SNS.Subscriptions;
using Constructs;

namespace AmiReplicator.Infra;

/// <summary>
/// The SNS topic a stack's alarms notify (alarm actions must be in the alarm's region): the one <c>alarmTopicArns</c> names for
/// the stack's region, or one the stack creates, with <c>alarmEmail</c> subscribed to it. In a target account (the spoke) always one
/// of its own, with no subscription: the configured topics are the home account's, and the e-mail would get a confirmation from
/// every account and region.
/// </summary>
internal sealed class AlarmNotifications : Construct
{
    private readonly ITopic _topic;

    public AlarmNotifications(Construct scope, string id, Nag nag, DeploymentSettings settings, bool inTargetAccount = false)
        : base(scope, id)
    {
        var stack = Stack.Of(this);
        _topic = !inTargetAccount && settings.AlarmTopicArnIn(stack.Region) is { } arn
            ? Topic.FromTopicArn(this, "Topic", arn)
            : CreateTopic(nag, settings, stack, subscribeEmail: !inTargetAccount);
        new CfnOutput(stack, "AlarmTopicArn", new CfnOutputProps { Value = _topic.TopicArn, Description = "The SNS topic this region's alarms notify." });
    }

    private Topic CreateTopic(Nag nag, DeploymentSettings settings, Stack stack, bool subscribeEmail)
    {
        var topic = new Topic(this, "Topic", new TopicProps
        {
            DisplayName = $"AMI replicator alarms{(settings.StackPrefix is null ? "" : $" ({settings.StackPrefix})")}, {stack.Region}",
            EnforceSSL = true,
        });
        // Only CloudWatch alarms of this account and region publish here.
        topic.AddToResourcePolicy(new PolicyStatement(new PolicyStatementProps
        {
            Sid = "CloudWatchAlarmsOfThisAccount",
            Principals = [new ServicePrincipal("cloudwatch.amazonaws.com")],
            Actions = ["sns:Publish"],
            Resources = [topic.TopicArn],
            Conditions = new Dictionary<string, object>
            {
                ["StringEquals"] = new Dictionary<string, object> { ["aws:SourceAccount"] = Aws.ACCOUNT_ID },
                ["ArnLike"] = new Dictionary<string, object> { ["aws:SourceArn"] = $"arn:{Aws.PARTITION}:cloudwatch:{stack.Region}:{Aws.ACCOUNT_ID}:alarm:*" },
            },
        }));
        nag.Suppress(topic, new NagSuppression("AwsSolutions-SNS2",
            "CloudWatch cannot publish to a topic encrypted with the AWS managed key aws/sns, and a customer managed key per region would cost "
            + "more than the alarm notifications are worth: they carry alarm names and states, no data."));
        if (subscribeEmail && settings.AlarmEmail is { } email)
        {
            topic.AddSubscription(new EmailSubscription(email));
            nag.Suppress(topic.Node.FindAll().OfType<Subscription>().Single(), new NagSuppression("Serverless-SNSRedrivePolicy",
                "An e-mail delivery that fails is retried by SNS; a dead-letter queue of alarm e-mails would be read by nobody, while the alarm itself stays in ALARM."));
        }
        else if (subscribeEmail)
        {
            Annotations.Of(stack).AddWarningV2("amireplicator:alarm-topic-unsubscribed",
                $"No one is subscribed to the alarm topic of {stack.StackName} ({stack.Region}): its alarms notify nobody. Set \"alarmEmail\", "
                + $"or name a topic of yours for {stack.Region} in \"alarmTopicArns\", or subscribe to the stack's AlarmTopicArn output.");
        }

        return topic;
    }

    /// <summary>
    /// An alarm in <paramref name="scope"/> on <paramref name="metric"/> against <paramref name="threshold"/>, notifying the
    /// topic when it goes off and when it clears. With <paramref name="missingData"/> left MISSING, the metric stopping is news
    /// too: the alarm goes to INSUFFICIENT_DATA, and that notifies as well.
    /// </summary>
    public Alarm CreateAlarm(
        Construct scope,
        string id,
        string description,
        IMetric metric,
        double threshold,
        ComparisonOperator comparison,
        int periods = 1,
        int? datapointsToAlarm = null,
        TreatMissingData missingData = TreatMissingData.NOT_BREACHING)
    {
        var alarm = new Alarm(scope, id, new AlarmProps
        {
            AlarmDescription = description,
            Metric = metric,
            Threshold = threshold,
            ComparisonOperator = comparison,
            EvaluationPeriods = periods,
            DatapointsToAlarm = datapointsToAlarm,
            TreatMissingData = missingData,
        });
        var action = new SnsAction(_topic);
        alarm.AddAlarmAction(action);
        alarm.AddOkAction(action);
        if (missingData == TreatMissingData.MISSING)
        {
            alarm.AddInsufficientDataAction(action);
        }

        return alarm;
    }
}
