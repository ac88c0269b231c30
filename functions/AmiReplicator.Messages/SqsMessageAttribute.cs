namespace AmiReplicator.Messages;

public sealed class SqsMessageAttribute
{
    public string? StringValue { get; set; }
    public string? BinaryValue { get; set; }
    public List<string>? StringListValues { get; set; }
    public List<string>? BinaryListValues { get; set; }
    public string? DataType { get; set; }
}
