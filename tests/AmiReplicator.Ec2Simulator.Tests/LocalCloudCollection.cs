using AmiReplicator.TestSupport;

namespace AmiReplicator.Ec2Simulator.Tests;

/// <summary>The conformance suite on the local cloud's moto, in parallel with the simulator's own tests.</summary>
[CollectionDefinition(LocalCloudFixture.Collection)]
public sealed class LocalCloudCollection : ICollectionFixture<LocalCloudFixture>;
