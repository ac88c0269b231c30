using AmiReplicator.Domain.Images;
using AmiReplicator.Domain.Jobs;
using AmiReplicator.Domain.Observability;
using AmiReplicator.Domain.Workflows;
using AmiReplicator.Ec2;
using AmiReplicator.Functions;
using AmiReplicator.LocalCloud;
using AmiReplicator.Messages;
using Microsoft.Extensions.Logging;

namespace AmiReplicator.Resilience.Tests;

/// <summary>The two handlers wired as <see cref="Replicator"/> wires them, but over the store and gateway given (decorated ones).</summary>
public sealed record Workers(DispatcherFunction Dispatcher, PollerFunction Poller, CopyCanceller Canceller)
{
    public static Workers Compose(ICopyJobStore store, IImageGateway images, IDeadLetterQueue deadLetters, IRequestQueue requests, ReplicatorSettings settings,
        TimeProvider clock, ILoggerFactory logging, PollerOptions? pollerOptions = null, IImageLifecycle? lifecycle = null)
    {
        // KMS is not decorated: its one call is a read, and a failure of it fails the request, which is delivered again.
        var keys = new KmsKeyGateway(settings.Ec2Endpoint, LocalReplication.Credentials);
        var composed = Replicator.Compose(store, images, keys, deadLetters, requests, settings, clock, logging, NoMetrics.Instance,
            pollerOptions ?? new PollerOptions(), lifecycle);
        return new Workers(composed.Dispatcher, composed.Poller, composed.Canceller);
    }

    public static Workers Of(Replicator replicator) => new(replicator.Dispatcher, replicator.Poller, replicator.Canceller);
}
