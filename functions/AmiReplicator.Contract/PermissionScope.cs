namespace AmiReplicator.Contract;

/// <summary>The kinds of resource the permission contract names, each as narrow as IAM can check it.</summary>
public static class PermissionScope
{
    /// <summary>The job table itself.</summary>
    public const string Table = "table";

    /// <summary>The job table's <see cref="JobTableSchema.ActiveIndexName"/> index.</summary>
    public const string Index = "index";

    /// <summary>
    /// A call in any region, for EC2 reads without resource-level permissions: a source image may be in any region (a request
    /// by hand names its own), and the copies are in the destinations.
    /// </summary>
    public const string AnyRegion = "any-region";

    /// <summary>A call in a destination region (CopyImage: the new image there, from an image of a source region).</summary>
    public const string DestinationRegion = "destination-region";

    /// <summary>Tags written by CopyImage itself on the image and snapshots it creates in a destination region.</summary>
    public const string NewCopy = "new-copy";

    /// <summary>An image or snapshot in a destination region that carries the replicator's provenance tag: one of its copies.</summary>
    public const string Copy = "copy";

    /// <summary>The KMS key configured for a destination, used by EC2 there on the function's behalf.</summary>
    public const string DestinationKey = "destination-key";

    /// <summary>
    /// A KMS key of any account in any region, asked about by the function itself (DescribeKey): whether the account may use a shared
    /// source's keys, and why a copy with a destination's key failed.
    /// </summary>
    public const string AnyKey = "any-key";

    /// <summary>
    /// A KMS key of an encrypted source's snapshots (the account's own customer managed key, or one the AMI's owner shares), used
    /// by EC2 on the function's behalf while it copies the source.
    /// </summary>
    public const string SourceKey = "source-key";

    /// <summary>A latest-copy parameter: an SSM parameter named by the policy's <c>latestCopyParameter</c>, in a destination region.</summary>
    public const string LatestCopyParameter = "latest-copy-parameter";

    /// <summary>
    /// A launch template carrying the tag <c>amireplicator:track</c> (one that asks to follow a family), in a destination region: the
    /// functions give it versions naming new copies and make them its default. Granted only when the policy has <c>launchTemplates</c>.
    /// </summary>
    public const string TrackedLaunchTemplate = "tracked-launch-template";

    /// <summary>
    /// A target account's spoke role (the policy's role names, in any account; within the policy's organization when it names one):
    /// the functions assume it to copy into the account. Granted only when the policy has targets.
    /// </summary>
    public const string SpokeRole = "spoke-role";

    /// <summary>
    /// AWS Organizations' read calls (DescribeOrganization, ListOrganizationalUnitsForParent, ListAccountsForParent): the poller resolves
    /// the targets' organizational units with them. Granted only when a target names organizationalUnits.
    /// </summary>
    public const string Organization = "organization";

    /// <summary>The function's own log group (Lambda writes it with the function's role).</summary>
    public const string OwnLogGroup = "own-log-group";

    /// <summary>The request queue (Lambda's event source mapping reads it with the dispatcher's role; the poller's sweep sends to it).</summary>
    public const string RequestQueue = "request-queue";

    /// <summary>The home account's default event bus, in the home region: the poller puts each distribution's completed event there.</summary>
    public const string DefaultEventBus = "default-event-bus";

    /// <summary>The request queue's DLQ (the dispatcher sends a message that can never succeed there at once, with its reason).</summary>
    public const string DeadLetterQueue = "dead-letter-queue";
}
