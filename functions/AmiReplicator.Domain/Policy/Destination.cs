using AmiReplicator.Domain.Jobs;
using AmiReplicator.Domain.Slots;

namespace AmiReplicator.Domain.Policy;

/// <summary>A destination region (of the home account, or of a target's account), how its copies are encrypted, and how many copies may run into it at once.</summary>
/// <param name="Draining">No new copies go there; those in flight finish (the functions keep their permissions there).</param>
public sealed record Destination(string Region, bool Encrypt, string? KmsKeyId, SlotBudget Budget, bool Draining = false)
{
    public bool TakesNewCopies => !Draining;

    /// <summary>The target account whose region this is; null: the home account's.</summary>
    public string? Account { get; init; }

    public CopyDestination Key => new(Region, Account);

    /// <summary>A target account's region that is given launch permission on the home account's copy there instead of a copy of its own.</summary>
    public bool SharesHomeCopy { get; init; }

    /// <summary>Time-based copies: the completion duration CopyImage is given; null: copies run on a best-effort basis.</summary>
    public int? SnapshotCopyCompletionDurationMinutes { get; init; }
}
