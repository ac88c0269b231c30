namespace AmiReplicator.Domain.Jobs;

/// <summary>The request queue the dispatcher reads: where the sweep puts what it found, for the dispatcher to handle as any request.</summary>
public interface IRequestQueue
{
    Task SendAsync(IReadOnlyList<ReplicationRequest> requests, CancellationToken cancellationToken);
}
