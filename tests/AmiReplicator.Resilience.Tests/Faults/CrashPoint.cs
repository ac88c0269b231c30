namespace AmiReplicator.Resilience.Tests.Faults;

/// <summary>Where a worker dies: before or after the first call matching the boundary.</summary>
public sealed record CrashPoint(Boundary At, Phase Phase)
{
    public override string ToString() => $"{Phase.ToString().ToLowerInvariant()} {At}";
}
