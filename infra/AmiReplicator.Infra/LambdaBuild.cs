namespace AmiReplicator.Infra;

/// <summary>How a function is compiled: Native AOT is what ships; self-contained JIT is what AOT is measured against.</summary>
public enum LambdaBuild
{
    NativeAot,
    SelfContainedJit,
}
