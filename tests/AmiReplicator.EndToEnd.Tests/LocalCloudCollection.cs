using AmiReplicator.TestSupport;

namespace AmiReplicator.EndToEnd.Tests;

/// <summary>The end-to-end tests, one after another on the assembly's local cloud.</summary>
[CollectionDefinition(LocalCloudFixture.Collection)]
public sealed class LocalCloudCollection : ICollectionFixture<LocalCloudFixture>;
