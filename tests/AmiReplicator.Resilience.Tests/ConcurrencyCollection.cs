using AmiReplicator.TestSupport;

namespace AmiReplicator.Resilience.Tests;

/// <summary>The concurrency property, in parallel with the crash tests (on the same local cloud).</summary>
[CollectionDefinition(Name)]
public sealed class ConcurrencyCollection : ICollectionFixture<LocalCloudFixture>
{
    public const string Name = "resilience: concurrency";
}
