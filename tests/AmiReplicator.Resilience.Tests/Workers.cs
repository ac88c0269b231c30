using AmiReplicator.Domain.Images;
using AmiReplicator.Domain.Jobs;
using AmiReplicator.Domain.Observability;
using AmiReplicator.Domain.Policy;
using AmiReplicator.Domain.Workflows;
using AmiReplicator.Functions;
using Microsoft.Extensions.Logging;

namespace AmiReplicator.Resilience.Tests;

/// <summary>The two handlers wired as <see cref="Replicator"/> wires them, but over the store and gateway given (decorated ones).</summary>
public sealed record Workers(DispatcherFunction Dispatcher, PollerFunction Poller)
{
    public static Workers Compose(ICopyJobStore store, IImageGateway images, ReplicatorSettings settings, TimeProvider clock,
        ILoggerFactory logging, PollerOptions? pollerOptions = null)
    {
        var options = pollerOptions ?? new PollerOptions();
        var starter = new CopyStarter(store, images, settings.Policy, clock, logging.CreateLogger<CopyStarter>());
        var finisher = new CopyFinisher(store, images, settings.Policy, options, clock, logging.CreateLogger<CopyFinisher>());
        return new Workers(
            new DispatcherFunction(
                new ReplicationDispatcher(store, images, starter, finisher, options, settings.Policy, settings.AccountId, clock,
                    logging.CreateLogger<ReplicationDispatcher>()),
                logging.CreateLogger<DispatcherFunction>()),
            new PollerFunction(
                new CopyPoller(store, images, starter, finisher, settings.Policy, options, NoMetrics.Instance, clock, logging.CreateLogger<CopyPoller>()),
                logging.CreateLogger<PollerFunction>()));
    }

    public static Workers Of(Replicator replicator) => new(replicator.Dispatcher, replicator.Poller);
}
