using AmiReplicator.Domain.Jobs;
using BenchmarkDotNet.Attributes;

namespace AmiReplicator.Benchmarks;

/// <summary>
/// One poller pass over 1,000 copying jobs (250 AMIs x 4 destinations): while every copy is still pending (the pass reads them,
/// finds nothing to do), and when every copy has just become available (the pass finishes all 1,000: launch permissions, tags,
/// the finishing transaction that releases both slots).
/// </summary>
[Config(typeof(ModestRun))]
public class PollerBenchmarks
{
    private const int Amis = 250;
    private static readonly int Jobs = Amis * BenchmarkWorld.Destinations.Count;

    private BenchmarkWorld? _world;

    // BenchmarkDotNet runs a setup before every benchmark; one that reaches here without it is a mistake of the benchmark's.
    private BenchmarkWorld World => _world ?? throw new InvalidOperationException("The benchmark's setup did not run.");

    [GlobalSetup(Target = nameof(PassOver1000PendingCopies))]
    public async Task AllCopying()
    {
        _world = await CopyingWorldAsync();
        // The first pass of a process also sweeps and writes the oldest-waiting metric: out of the way before measuring.
        await _world.Poller.RunAsync(CancellationToken.None);
        await _world.ExpectJobsAsync(CopyJobState.Copying, Jobs);
    }

    [Benchmark]
    public Task PassOver1000PendingCopies() => World.Poller.RunAsync(CancellationToken.None);

    [IterationSetup(Target = nameof(PassFinishing1000Copies))]
    public void AllCopiesAvailable()
    {
        _world?.Dispose();
        _world = CopyingWorldAsync().GetAwaiter().GetResult();
        _world.Poller.RunAsync(CancellationToken.None).GetAwaiter().GetResult();
        _world.Images.FinishCopies();
    }

    [Benchmark]
    public Task PassFinishing1000Copies() => World.Poller.RunAsync(CancellationToken.None);

    [IterationCleanup(Target = nameof(PassFinishing1000Copies))]
    public void AllFinished() => World.ExpectJobsAsync(CopyJobState.Available, Jobs).GetAwaiter().GetResult();

    [GlobalCleanup]
    public void Cleanup() => _world?.Dispose();

    private static async Task<BenchmarkWorld> CopyingWorldAsync()
    {
        var world = new BenchmarkWorld();
        await world.DispatchAsync(world.NewAmiPayloads(Amis));
        return world;
    }
}
