namespace AmiReplicator.Messages;

/// <summary>
/// Where a message that can never succeed goes at once, with the reason attached, instead of being redelivered until the
/// queue's maximum receive count moves it there without one.
/// </summary>
public interface IDeadLetterQueue
{
    /// <summary>Sends a copy of the message, with the reason as the message attribute <see cref="ReasonAttribute"/>.</summary>
    Task SendAsync(SqsMessage message, string reason, CancellationToken cancellationToken);

    public const string ReasonAttribute = "FailureReason";

    /// <summary>The message attribute naming the request queue's message it is a copy of.</summary>
    public const string OriginalMessageIdAttribute = "OriginalMessageId";

    /// <summary>The message attribute counting the deliveries of the request queue's message before it was given up.</summary>
    public const string ReceiveCountAttribute = "ReceiveCount";
}
