using AmiReplicator.Contract;

namespace AmiReplicator.LocalCloud;

/// <summary>
/// What invokes the functions on the local cloud as AWS does for the stack: EC2's events (new AMIs in the source regions, copies
/// ending in the destinations) go to the home region's bus, whose rules (the stack's patterns) enqueue them; the request queue is
/// handed to the dispatcher as the SQS event source mapping does; the poller runs each virtual minute as its schedule does. The
/// local run drives them until its copies are done, and with <c>--keep-running</c> until Ctrl-C, so that `amirepl` requests
/// (replicate, retry, backfill, cancel) are handled as they are in AWS.
/// </summary>
public sealed class LocalTriggers
{
    private readonly LocalReplication _local;
    private readonly LocalEventBus _bus;
    private int _forwarded;

    private LocalTriggers(LocalReplication local, LocalEventBus bus)
    {
        _local = local;
        _bus = bus;
    }

    public static async Task<LocalTriggers> StartAsync(
        LocalReplication local, HttpClient http, Uri motoUrl, IReadOnlyList<string> sourceRegions, IReadOnlyList<string> destinationRegions)
    {
        // EC2's events from every region arrive on the home region's bus (the stack forwards them there; moto's own bus-to-bus
        // forwarding drops the events' resources, so they are put on the home bus directly).
        var bus = await LocalEventBus.CreateAsync(http, motoUrl, LocalReplication.Home, local.Replicator.Settings.TableName);
        // The stack's two rules: new AMIs of the sources to the request queue; copies ending in the destinations to the poller,
        // here through the same queue (the dispatcher finishes a copy on its own event as the poller does).
        await bus.RouteToQueueAsync("new-ami", AmiEventPatterns.SourceChanged.ToJson(sourceRegions), local.Queues.QueueArn);
        await bus.RouteToQueueAsync("copy-finished", AmiEventPatterns.CopyFinished.ToJson(destinationRegions), local.Queues.QueueArn);
        return new LocalTriggers(local, bus);
    }

    /// <summary>Puts EC2's events since the last call on the bus, then hands the request queue to the dispatcher until it is empty.</summary>
    public async Task DeliverAsync()
    {
        var changes = _local.Simulator.StateChanges();
        foreach (var change in changes.Skip(_forwarded))
        {
            await _bus.PutAsync(change.ToEventBridgeJson());
        }

        _forwarded = changes.Count;
        await _local.DeliverAsync();
    }

    /// <summary>A virtual minute passes and the poller's schedule fires.</summary>
    public async Task NextMinuteAsync(CancellationToken cancellationToken)
    {
        _local.Clock.Advance(TimeSpan.FromMinutes(1));
        await _local.RunPollerAsync(cancellationToken);
    }

    /// <summary>
    /// Delivers and runs a virtual minute every <paramref name="minute"/> of real time until <paramref name="stop"/> is cancelled
    /// (then returns). A failed pass is reported on <paramref name="errors"/> and the next one runs, as Lambda invokes the functions
    /// again whatever the last invocation did.
    /// </summary>
    public async Task RunUntilStoppedAsync(TimeSpan minute, TextWriter errors, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await DeliverAsync();
                await Task.Delay(minute, stop);
                await NextMinuteAsync(stop);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                await errors.WriteLineAsync($"A function invocation failed: {e.Message}");
            }
        }
    }
}
