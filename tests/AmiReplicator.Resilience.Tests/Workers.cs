using AmiReplicator.Domain.Images;
using AmiReplicator.Domain.Jobs;
using AmiReplicator.Domain.Observability;
using AmiReplicator.Domain.Workflows;
using AmiReplicator.Functions;
using AmiReplicator.Messages;
using Microsoft.Extensions.Logging;

namespace AmiReplicator.Resilience.Tests;

/// <summary>The two handlers wired as <see cref="Replicator"/> wires them, but over the store and gateway given (decorated ones).</summary>
public sealed record Workers(DispatcherFunction Dispatcher, PollerFunction Poller)
{
    public static Workers Compose(ICopyJobStore store, IImageGateway images, IDeadLetterQueue deadLetters, IRequestQueue requests, ReplicatorSettings settings,
        TimeProvider clock, ILoggerFactory logging, PollerOptions? pollerOptions = null, IImageLifecycle? lifecycle = null)
    {
        var (dispatcher, poller) = Replicator.Compose(store, images, deadLetters, requests, settings, clock, logging, NoMetrics.Instance,
            pollerOptions ?? new PollerOptions(), lifecycle);
        return new Workers(dispatcher, poller);
    }

    public static Workers Of(Replicator replicator) => new(replicator.Dispatcher, replicator.Poller);
}
