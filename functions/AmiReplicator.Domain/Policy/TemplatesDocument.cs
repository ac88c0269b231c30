namespace AmiReplicator.Domain.Policy;

public sealed class TemplatesDocument
{
    public string? Name { get; set; }
    public string? Description { get; set; }
}
