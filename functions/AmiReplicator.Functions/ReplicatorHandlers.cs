using AmiReplicator.Domain.Composition;
using AmiReplicator.Messages;
using Microsoft.Extensions.Logging;

namespace AmiReplicator.Functions;

/// <summary>The two Lambda handlers over the workflows: the dispatcher's SQS batches, the poller's pass.</summary>
public sealed record ReplicatorHandlers(DispatcherFunction Dispatcher, PollerFunction Poller)
{
    public static ReplicatorHandlers Over(ReplicatorWorkflows workflows, IDeadLetterQueue deadLetters, ILoggerFactory logging) => new(
        new DispatcherFunction(workflows.Dispatcher, deadLetters, logging.CreateLogger<DispatcherFunction>()) { Targets = workflows.Targets },
        new PollerFunction(workflows.Poller, logging.CreateLogger<PollerFunction>()) { Targets = workflows.Targets });
}
