using AmiReplicator.TestSupport;

namespace AmiReplicator.Cli.Tests;

/// <summary>The command tests, one after another on the assembly's local cloud.</summary>
[CollectionDefinition(LocalCloudFixture.Collection)]
public sealed class LocalCloudCollection : ICollectionFixture<LocalCloudFixture>;
