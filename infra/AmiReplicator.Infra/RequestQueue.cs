using Amazon.CDK;
using Amazon.CDK.AWS.SQS;
using Constructs;

namespace AmiReplicator.Infra;

/// <summary>
/// The queue of copy requests (AMI events and requests people or the poller's sweep send) the dispatcher consumes, and its
/// dead-letter queue: the requests that failed <see cref="MaxReceiveCount"/> times or can never succeed. Both encrypted, TLS only.
/// </summary>
internal sealed class RequestQueue : Construct
{
    public const int MaxReceiveCount = 5;

    public RequestQueue(Construct scope, string id, RequestQueueProps props)
        : base(scope, id)
    {
        DeadLetterQueue = new Queue(this, "DeadLetterQueue", new QueueProps
        {
            Encryption = QueueEncryption.SQS_MANAGED,
            EnforceSSL = true,
            RetentionPeriod = Duration.Days(14),
        });
        props.Nag.Suppress(DeadLetterQueue, new NagSuppression("Serverless-SQSRedrivePolicy",
            "This is the dead-letter queue: its messages are read by people and redriven to the request queue by hand, never consumed in a loop."));
        Queue = new Queue(this, "RequestQueue", new QueueProps
        {
            Encryption = QueueEncryption.SQS_MANAGED,
            EnforceSSL = true,
            // AWS's advice for SQS-triggered functions: six times the function timeout, so retries inside a batch never reappear early.
            VisibilityTimeout = Duration.Seconds(props.VisibilityTimeout.TotalSeconds),
            DeadLetterQueue = new DeadLetterQueue { Queue = DeadLetterQueue, MaxReceiveCount = MaxReceiveCount },
        });
    }

    public IQueue Queue { get; }

    public IQueue DeadLetterQueue { get; }
}
