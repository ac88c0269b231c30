using AmiReplicator.TestSupport;

namespace AmiReplicator.Infra.Tests;

/// <summary>The packaged functions run against the local cloud, in parallel with the tests of the synthesized stacks.</summary>
[CollectionDefinition(LocalCloudFixture.Collection)]
public sealed class LocalCloudCollection : ICollectionFixture<LocalCloudFixture>;
