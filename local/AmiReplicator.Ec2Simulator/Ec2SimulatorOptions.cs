namespace AmiReplicator.Ec2Simulator;

/// <summary>How the simulated EC2 behaves. Every default is the documented AWS default or the seed's.</summary>
public sealed record Ec2SimulatorOptions
{
    public static readonly IReadOnlyList<string> DefaultRegions =
        ["us-east-1", "us-east-2", "us-west-2", "eu-west-1", "eu-central-1", "ap-southeast-2"];

    /// <summary>
    /// The only source of time. State is computed from it on each request (no timers), so tests pass a
    /// FakeTimeProvider and advance it.
    /// </summary>
    public TimeProvider Clock { get; init; } = TimeProvider.System;

    /// <summary>How long a copy stays pending when <see cref="CopyDurationFor"/> is not set.</summary>
    public TimeSpan CopyDuration { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Per-copy duration, e.g. to make one region slow. Overrides <see cref="CopyDuration"/>.</summary>
    public Func<CopyInfo, TimeSpan>? CopyDurationFor { get; init; }

    /// <summary>
    /// Eventual consistency: a new copy's id answers as not found (and its snapshots too) until this long
    /// after CopyImage returned it.
    /// </summary>
    public TimeSpan DescribeVisibilityDelay { get; init; } = TimeSpan.Zero;

    /// <summary>
    /// How long after PutParameter Parameter Store's asynchronous check of an aws:ec2:image value ends (the write takes effect then,
    /// or is dropped): until then GetParameter answers the old value.
    /// </summary>
    public TimeSpan ParameterValidationDelay { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Pending copies a destination region accepts (the seed's 50).</summary>
    public int MaxConcurrentCopiesPerDestination { get; init; } = 50;

    /// <summary>Pending copies a destination accepts from one source region (the seed's 25).</summary>
    public int MaxConcurrentCopiesPerSourceRegion { get; init; } = 25;

    /// <summary>
    /// Time-based copies: the snapshot copy throughput (MiB/s) pending time-based copies from one source region into a destination
    /// may hold in all (EC2's default 2,000, adjustable).
    /// </summary>
    public int SnapshotCopyThroughputMiBpsPerPair { get; init; } = 2_000;

    public IReadOnlyList<string> Regions { get; init; } = DefaultRegions;

    /// <summary>The default account: requests whose access key id is not a 12-digit account id (nor a key named for another principal, nor
    /// credentials STS issued) are made by it, as moto does, and the simulator's in-process methods act for it.</summary>
    public string AccountId { get; init; } = "123456789012";

    /// <summary>Loopback port to listen on; 0 picks a free one.</summary>
    public int Port { get; init; }
}
