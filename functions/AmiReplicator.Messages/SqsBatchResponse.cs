namespace AmiReplicator.Messages;

/// <summary>The answer with ReportBatchItemFailures: only the listed messages are redelivered.</summary>
public sealed class SqsBatchResponse
{
    public List<BatchItemFailure> BatchItemFailures { get; set; } = [];
}
