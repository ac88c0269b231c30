namespace AmiReplicator.Domain.Images;

/// <summary>What KMS says of a key: whether the account may use it, in the region named.</summary>
public interface IKeyGateway
{
    /// <summary>
    /// Null when the account may use the key in the region (KMS describes it to the account, and it is enabled); otherwise why not,
    /// in KMS's words (the key does not exist there, its key policy does not let the account use it, it is disabled).
    /// </summary>
    Task<string?> WhyUnusableAsync(string region, string keyId, CancellationToken cancellationToken);
}
