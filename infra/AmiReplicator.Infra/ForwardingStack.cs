using Amazon.CDK;
using AmiReplicator.Contract;
using Constructs;

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
        AmiEventForwarding.AddTo(this, nag, new AlarmNotifications(this, "Alarms", nag, settings),
            $"arn:{Aws.PARTITION}:events:{settings.HomeRegion}:{Aws.ACCOUNT_ID}:event-bus/default",
            AmiEventPatterns.Forwarded(isSource, isDestination),
            (isSource, isDestination) switch
            {
                (true, true) => $"New and withdrawn AMIs and finished copies in {Region}: forward to the replicator in {settings.HomeRegion}.",
                (true, false) => $"New and withdrawn AMIs in {Region}: forward to the replicator in {settings.HomeRegion}.",
                _ => $"Copies finishing in {Region}: forward to the replicator in {settings.HomeRegion}.",
            },
            $"AMI events of {Region} could not be forwarded to {settings.HomeRegion}: new AMIs in them were not replicated; send copy requests for them by hand.",
            AmiEventForwarding.DeadLetterQueueName(StackName));
        DistributionKeys.AddTo(this, props.Env?.Region ?? throw new ArgumentException("a forwarding stack names its region", nameof(props)), settings);
    }
}
