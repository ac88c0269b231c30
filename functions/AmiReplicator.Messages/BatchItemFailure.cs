namespace AmiReplicator.Messages;

public sealed class BatchItemFailure
{
    public string ItemIdentifier { get; set; } = "";
}
