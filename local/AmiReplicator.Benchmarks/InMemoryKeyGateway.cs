using AmiReplicator.Domain.Images;

namespace AmiReplicator.Benchmarks;

/// <summary>KMS in memory: every key is usable (the benchmarks' sources are the account's own and unencrypted, so it is never asked).</summary>
public sealed class InMemoryKeyGateway : IKeyGateway
{
    public Task<string?> WhyUnusableAsync(string region, string keyId, CancellationToken cancellationToken) => Task.FromResult<string?>(null);
}
