using System.Reflection;
using AmiReplicator.Contract;
using AmiReplicator.Domain.Jobs;
using AmiReplicator.Domain.Observability;
using AmiReplicator.LocalCloud;
using SeedImage = AmiReplicator.Ec2Simulator.SeedImage;

namespace AmiReplicator.Workflows.Tests;

/// <summary>The levels the poller publishes per destination from what the store holds: here, the jobs waiting and how long the oldest has waited.</summary>
public class PollerMetricsTests
{
    private const string Policy = """{"destinations":[{"region":"eu-west-1","maxInFlight":2,"maxInFlightPerSource":1}]}""";

    private static async Task RequestAsync(WorkflowHarness h, string region, string name)
    {
        var imageId = h.Simulator.SeedImage(region, new SeedImage { Name = name });
        h.Send(LocalReplication.AvailableEvent(region, imageId, imageId));
        await h.DeliverAsync();
        h.Clock.Advance(TimeSpan.FromSeconds(1));
    }

    private static async Task RequestBacklogAsync(WorkflowHarness h)
    {
        // One copy per source takes its pair's only slot; two jobs from us-east-1 and one from us-west-2 wait behind them.
        foreach (var (region, name) in new[] { ("us-east-1", "east-1"), ("us-east-1", "east-2"), ("us-east-1", "east-3"), ("us-west-2", "west-1"), ("us-west-2", "west-2") })
        {
            await RequestAsync(h, region, name);
        }
    }

    [Fact]
    public async Task Jobs_waiting_are_published_per_destination_summed_over_its_source_regions_as_often_as_the_oldest_waiting_age()
    {
        var metrics = new RecordingMetrics();
        await using var h = await WorkflowHarness.StartAsync(Policy, o => o with { CopyDuration = TimeSpan.FromMinutes(30) }, metrics);
        await RequestBacklogAsync(h);
        Assert.Equal(3, (await h.JobsAsync()).Count(j => j.State == CopyJobState.Waiting));

        for (var minute = 0; minute < 6; minute++)
        {
            h.Clock.Advance(TimeSpan.FromMinutes(1));
            await h.RunPollerAsync();
        }

        // Six passes, published at the first and five minutes later, each time with the age beside it.
        Assert.Equal([3, 3], metrics.Values(ReplicatorMetrics.JobsWaiting, "eu-west-1"));
        Assert.Equal(2, metrics.Values(ReplicatorMetrics.OldestWaitingJobAge, "eu-west-1").Count);
        Assert.Equal(6, metrics.Values(ReplicatorMetrics.CopiesInFlight, "eu-west-1").Count);
    }

    [Fact]
    public async Task A_count_that_fails_is_reported_and_the_rest_of_the_pass_goes_on()
    {
        var metrics = new RecordingMetrics();
        await using var h = await WorkflowHarness.StartAsync(Policy, o => o with { CopyDuration = TimeSpan.FromMinutes(30) }, metrics, CountFails.Around);
        await RequestBacklogAsync(h);
        h.Clock.Advance(TimeSpan.FromMinutes(1));

        // The pass ends as incomplete (the poller's errors alarm sees it), naming the count alone: every other part ran.
        var incomplete = await Assert.ThrowsAsync<InvalidOperationException>(h.RunPollerAsync);

        Assert.Equal($"Poller pass incomplete: eu-west-1: counting waiting jobs: {CountFails.Message}", incomplete.Message);
        Assert.Empty(metrics.Values(ReplicatorMetrics.JobsWaiting, "eu-west-1"));
        Assert.Single(metrics.Values(ReplicatorMetrics.OldestWaitingJobAge, "eu-west-1"));
        Assert.Equal([2], metrics.Values(ReplicatorMetrics.CopiesInFlight, "eu-west-1"));
        Assert.Equal([2], metrics.Values(ReplicatorMetrics.InFlightBudget, "eu-west-1"));
    }

    [Fact]
    public async Task Each_poller_pass_publishes_the_age_of_the_oldest_waiting_job()
    {
        await using var h = await WorkflowHarness.StartAsync("""{"destinations":[{"region":"eu-west-1","maxInFlight":1}]}""");
        h.Send(LocalReplication.AvailableEvent("us-east-1", h.Simulator.SeedImage("us-east-1", new SeedImage { Name = "first" }), "1"));
        h.Send(LocalReplication.AvailableEvent("us-east-1", h.Simulator.SeedImage("us-east-1", new SeedImage { Name = "second" }), "2"));
        await h.DeliverAsync();

        h.Clock.Advance(TimeSpan.FromMinutes(3));
        await h.RunPollerAsync();
        Assert.Equal(180, EmfLog.Last(h, ReplicatorMetrics.OldestWaitingJobAge.Name, "eu-west-1"));

        await h.RunPollerUntilDoneAsync();
        await h.RunPollerAsync();
        Assert.Equal(0, EmfLog.Last(h, ReplicatorMetrics.OldestWaitingJobAge.Name, "eu-west-1"));
    }

    private sealed class RecordingMetrics : IMetrics
    {
        private readonly Lock _gate = new();
        private readonly List<(string Name, double Value, string Destination)> _recorded = [];

        public void Record(MetricDefinition metric, double value, string destinationRegion)
        {
            lock (_gate)
            {
                _recorded.Add((metric.Name, value, destinationRegion));
            }
        }

        public List<double> Values(MetricDefinition metric, string destinationRegion)
        {
            lock (_gate)
            {
                return [.. _recorded.Where(r => r.Name == metric.Name && r.Destination == destinationRegion).Select(r => r.Value)];
            }
        }
    }

    /// <summary>The store with every call passed through but <see cref="ICopyJobStore.CountWaitingAsync"/>, which fails.</summary>
    public class CountFails : DispatchProxy
    {
        public const string Message = "the count failed";

        private ICopyJobStore? _inner;

        public static ICopyJobStore Around(ICopyJobStore inner)
        {
            var proxy = Create<ICopyJobStore, CountFails>();
            ((CountFails)(object)proxy)._inner = inner;
            return proxy;
        }

        protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
        {
            ArgumentNullException.ThrowIfNull(targetMethod);
            return targetMethod.Name == nameof(ICopyJobStore.CountWaitingAsync)
                ? Task.FromException<int>(new InvalidOperationException(Message))
                : targetMethod.Invoke(_inner ?? throw new InvalidOperationException("Made without a store."), args);
        }
    }
}
