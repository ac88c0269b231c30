using AmiReplicator.Domain.Jobs;
using BenchmarkDotNet.Attributes;

namespace AmiReplicator.Benchmarks;

/// <summary>
/// The dispatcher's own work per message (an "AMI available" event in a batch of 10): parse, read the source, plan four jobs,
/// write them, and start the four copies; and the same event again (a duplicate writes nothing).
/// </summary>
[Config(typeof(ModestRun))]
public class DispatcherBenchmarks
{
    private const int Messages = 200;

    private BenchmarkWorld? _world;

    // BenchmarkDotNet runs a setup before every benchmark; one that reaches here without it is a mistake of the benchmark's.
    private BenchmarkWorld World => _world ?? throw new InvalidOperationException("The benchmark's setup did not run.");
    private IReadOnlyList<string> _payloads = [];

    [IterationSetup(Target = nameof(NewAmiToFourDestinations))]
    public void FreshWorld()
    {
        _world?.Dispose();
        _world = new BenchmarkWorld();
        _payloads = _world.NewAmiPayloads(Messages);
    }

    /// <summary>A new AMI: four jobs written, four copies started.</summary>
    [Benchmark(OperationsPerInvoke = Messages)]
    public Task NewAmiToFourDestinations() => World.DispatchAsync(_payloads);

    [GlobalSetup(Target = nameof(DuplicateEvent))]
    public async Task DispatchedOnce()
    {
        _world = new BenchmarkWorld();
        _payloads = _world.NewAmiPayloads(Messages);
        await _world.DispatchAsync(_payloads);
        await _world.ExpectJobsAsync(CopyJobState.Copying, Messages * BenchmarkWorld.Destinations.Count);
    }

    /// <summary>The same event again (EventBridge delivers at least once): its jobs exist, nothing is written.</summary>
    [Benchmark(OperationsPerInvoke = Messages)]
    public Task DuplicateEvent() => World.DispatchAsync(_payloads);

    [GlobalCleanup]
    public void Cleanup() => _world?.Dispose();
}
