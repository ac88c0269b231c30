namespace AmiReplicator.Infra.Tests;

/// <summary>The tests of the stacks, all on one synth of the app.</summary>
[CollectionDefinition(Name)]
public sealed class SynthesizedAppCollection : ICollectionFixture<SynthesizedApp>
{
    public const string Name = "Synthesized app";
}
