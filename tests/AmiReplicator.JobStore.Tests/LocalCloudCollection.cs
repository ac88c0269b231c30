using AmiReplicator.TestSupport;

namespace AmiReplicator.JobStore.Tests;

/// <summary>The contract on DynamoDB Local, in parallel with the one on the in-memory store.</summary>
[CollectionDefinition(LocalCloudFixture.Collection)]
public sealed class LocalCloudCollection : ICollectionFixture<LocalCloudFixture>;
