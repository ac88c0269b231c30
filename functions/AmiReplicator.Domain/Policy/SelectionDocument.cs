namespace AmiReplicator.Domain.Policy;

public sealed class SelectionDocument
{
    /// <summary>Every tag listed must be on the AMI with that value.</summary>
    public Dictionary<string, string>? Tags { get; set; }

    /// <summary>The AMI name must match one of these (* and ? wildcards).</summary>
    public List<string>? NamePatterns { get; set; }

    /// <summary>The AMI owner must be one of these account ids; "self" is the replicator's own account.</summary>
    public List<string>? OwnerAccounts { get; set; }
}
