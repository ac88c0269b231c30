using AmiReplicator.Aws.Ec2;
using AmiReplicator.Aws.Kms;
using AmiReplicator.Domain.Composition;
using AmiReplicator.Domain.Copying;
using AmiReplicator.Domain.Images;
using AmiReplicator.Domain.Jobs;
using AmiReplicator.Domain.Observability;
using AmiReplicator.Domain.Targets;
using AmiReplicator.Functions;
using AmiReplicator.LocalCloud;
using AmiReplicator.Messages;
using Microsoft.Extensions.Logging;

namespace AmiReplicator.Resilience.Tests;

/// <summary>The two handlers and the cancel by hand, composed as <see cref="Replicator"/> composes them, but over the store and gateway given (decorated ones).</summary>
public sealed record Workers(DispatcherFunction Dispatcher, PollerFunction Poller, CopyCanceller Canceller)
{
    public static Workers Compose(ICopyJobStore store, IImageGateway images, IDeadLetterQueue deadLetters, IRequestQueue requests, ReplicatorSettings settings,
        TimeProvider clock, ILoggerFactory logging, TrackingOptions? options = null, IImageLifecycle? lifecycle = null,
        ITargetAccountImages? targets = null)
    {
        // KMS is not decorated: its one call is a read, and a failure of it fails the request, which is delivered again.
        var keys = new KmsKeyGateway(settings.Ec2Endpoint, LocalReplication.Credentials);
        var workflows = new ReplicatorWorkflows(new ReplicatorPorts(store, images, keys) { Lifecycle = lifecycle, Requests = requests, Targets = targets }, settings.Policy,
            settings.AccountId, settings.HomeRegion, new WorkflowContext(options ?? new TrackingOptions(), NoMetrics.Instance, clock, logging));
        var (dispatcher, poller) = ReplicatorHandlers.Over(workflows, deadLetters, logging);
        return new Workers(dispatcher, poller, workflows.Canceller);
    }

    public static Workers Of(Replicator replicator) => new(replicator.Dispatcher, replicator.Poller, replicator.Workflows.Canceller);
}
