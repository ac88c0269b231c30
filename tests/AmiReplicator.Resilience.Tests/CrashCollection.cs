using AmiReplicator.TestSupport;

namespace AmiReplicator.Resilience.Tests;

/// <summary>The crash-at-every-boundary and counter-repair tests, one after another.</summary>
[CollectionDefinition(Name)]
public sealed class CrashCollection : ICollectionFixture<LocalCloudFixture>
{
    public const string Name = "resilience: crashes";
}
