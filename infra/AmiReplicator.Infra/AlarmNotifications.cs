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
/// the stack's region, or one the stack creates, with <c>alarmEmail</c> subscribed to it.
/// </summary>
internal sealed class AlarmNotifications : Construct
{
    public AlarmNotifications(Construct scope, string id, Nag nag, DeploymentSettings settings)
        : base(scope, id)
    {
        var stack = Stack.Of(this);
        Topic = settings.AlarmTopicArnIn(stack.Region) is { } arn
            ? Amazon.CDK.AWS.SNS.Topic.FromTopicArn(this, "Topic", arn)
            : CreateTopic(nag, settings, stack);
        new CfnOutput(stack, "AlarmTopicArn", new CfnOutputProps { Value = Topic.TopicArn, Description = "The SNS topic this region's alarms notify." });
    }

    public ITopic Topic { get; }

    private Topic CreateTopic(Nag nag, DeploymentSettings settings, Stack stack)
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
        if (settings.AlarmEmail is { } email)
        {
            topic.AddSubscription(new EmailSubscription(email));
            nag.Suppress(topic.Node.FindAll().OfType<Subscription>().Single(), new NagSuppression("Serverless-SNSRedrivePolicy",
                "An e-mail delivery that fails is retried by SNS; a dead-letter queue of alarm e-mails would be read by nobody, while the alarm itself stays in ALARM."));
        }

        return topic;
    }

    /// <summary>The topic hears the alarm going off and clearing; with <paramref name="silenceIsTrouble"/>, also its data stopping.</summary>
    public void Notify(Alarm alarm, bool silenceIsTrouble = false)
    {
        var action = new SnsAction(Topic);
        alarm.AddAlarmAction(action);
        alarm.AddOkAction(action);
        if (silenceIsTrouble)
        {
            alarm.AddInsufficientDataAction(action);
        }
    }
}
