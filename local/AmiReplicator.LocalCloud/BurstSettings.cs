namespace AmiReplicator.LocalCloud;

/// <summary>What a burst is made of: how many AMIs, where they go, how long their copies take, how they are delivered.</summary>
/// <param name="Amis">AMIs in the burst, from the two <see cref="BurstScenario.Sources"/>.</param>
/// <param name="DestinationCount">Destinations: the first of <see cref="BurstScenario.AllDestinations"/>.</param>
/// <param name="MinCopyMinutes">The shortest copy.</param>
/// <param name="MaxCopyMinutes">The longest copy: a copy takes longer the larger its AMI, give or take 10%.</param>
/// <param name="MinGiB">The smallest AMI (snapshot GiB); sizes are drawn log-uniformly.</param>
/// <param name="MaxGiB">The largest AMI.</param>
/// <param name="BatchSize">SQS messages per dispatcher invocation (Lambda's batch size).</param>
/// <param name="Concurrency">Dispatcher invocations running at once (Lambda's concurrency for the SQS trigger).</param>
/// <param name="CopyEvents">Also deliver each copy's own EC2 event to the dispatcher when the copy ends, as the stack's rule does.</param>
/// <param name="BySource">All of the first source's AMIs in the queue, then the second's (else they alternate).</param>
/// <param name="MaxMinutes">Virtual minutes after which the burst is given up.</param>
/// <param name="Seed">Seed of the sizes and the copy durations.</param>
public sealed record BurstSettings(
    int Amis = 400,
    int DestinationCount = 4,
    int MinCopyMinutes = 3,
    int MaxCopyMinutes = 20,
    int MinGiB = 8,
    int MaxGiB = 512,
    int BatchSize = 10,
    int Concurrency = 1,
    bool CopyEvents = false,
    bool BySource = false,
    int MaxMinutes = 24 * 60,
    int Seed = 20261125)
{
    /// <summary>What is out of range, or null.</summary>
    public string? Problem =>
        Amis < 1 || MinCopyMinutes < 1 || MaxCopyMinutes < MinCopyMinutes || BatchSize is < 1 or > 10 || Concurrency < 1
        || DestinationCount < 1 || DestinationCount > BurstScenario.AllDestinations.Count || MinGiB < 1 || MaxGiB < MinGiB
            ? $"amis >= 1, 1 <= min copy minutes <= max copy minutes, 1 <= batch size <= 10, concurrency >= 1, 1 <= destinations <= {BurstScenario.AllDestinations.Count}, 1 <= min GiB <= max GiB"
            : null;

    public IReadOnlyList<string> Destinations => BurstScenario.AllDestinations.Take(DestinationCount).ToList();

    public string PolicyJson =>
        """{"destinations":[""" + string.Join(",", Destinations.Select(d => $$"""{"region":"{{d}}"}""")) + "],"
        + "\"sourceRegions\":[" + string.Join(",", BurstScenario.Sources.Select(s => $"\"{s}\"")) + "],\"tags\":{\"copied-by\":\"ami-replicator\"}}";
}
