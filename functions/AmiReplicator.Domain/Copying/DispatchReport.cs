using AmiReplicator.Domain.Jobs;

namespace AmiReplicator.Domain.Copying;

/// <summary>What a request led to: its jobs (those EC2 accepted a copy for shown as copying), or why it was ignored.</summary>
public sealed record DispatchReport(IReadOnlyList<CopyJob> Jobs, string? IgnoredBecause)
{
    public static DispatchReport Ignored(string reason) => new([], reason);
}
