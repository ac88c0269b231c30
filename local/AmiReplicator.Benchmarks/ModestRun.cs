using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace AmiReplicator.Benchmarks;

/// <summary>
/// A short run on a shared machine: one process, 3 warm-up and 10 measured iterations, in process (no generated project to
/// build, which takes minutes on the loaded cores), allocations measured; results under the build output, not the checkout.
/// </summary>
public sealed class ModestRun : ManualConfig
{
    public ModestRun()
    {
        AddJob(Job.Default.WithLaunchCount(1).WithWarmupCount(3).WithIterationCount(10).WithToolchain(InProcessEmitToolchain.Instance));
        AddDiagnoser(MemoryDiagnoser.Default);
        ArtifactsPath = Path.Combine(AppContext.BaseDirectory, "BenchmarkDotNet.Artifacts");
    }
}
