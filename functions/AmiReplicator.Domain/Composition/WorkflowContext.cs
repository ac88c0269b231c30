using AmiReplicator.Domain.Jobs;
using AmiReplicator.Domain.Observability;
using Microsoft.Extensions.Logging;

namespace AmiReplicator.Domain.Composition;

/// <summary>What every workflow of one process shares: how jobs are tracked, where metrics go, the clock and the logging.</summary>
public sealed record WorkflowContext(TrackingOptions Options, IMetrics Metrics, TimeProvider Clock, ILoggerFactory Logging);
