using AmiReplicator.Domain.Jobs;
using AmiReplicator.Domain.Policy;

namespace AmiReplicator.Domain.Slots;

/// <summary>
/// What a worker knows of the slot counters: read once (for a poller pass, for a dispatcher invocation) and then kept up to date
/// with the slots this worker took and gave back. It only decides where claiming is worth a try (no claim transaction into a
/// destination known to be full or backing off); the claim's own conditions are what keeps the budgets.
/// </summary>
public sealed class SlotView
{
    private readonly ReplicationPolicy _policy;
    private readonly Dictionary<SlotScope, int> _inFlight = [];
    private readonly Dictionary<SlotScope, long> _claims = [];
    private readonly Dictionary<CopyDestination, DateTimeOffset> _backOffUntil = [];
    private readonly Dictionary<CopyDestination, SortedSet<string>> _sources = [];

    public SlotView(IReadOnlyList<SlotCounter> counters, ReplicationPolicy policy)
    {
        _policy = policy;
        Counters = counters;
        foreach (var counter in counters)
        {
            _inFlight[counter.Scope] = counter.InFlight;
            if (counter.Claims is { } claims)
            {
                _claims[counter.Scope] = claims;
            }

            if (counter.Scope.SourceRegion is { } source)
            {
                SourcesSet(counter.Scope.Destination).Add(source);
            }
            else if (counter.BackOffUntil is { } until)
            {
                _backOffUntil[counter.Scope.Destination] = until;
            }
        }
    }

    /// <summary>
    /// All a worker knows right after a job gave its slots back, with no counter read: one free slot in the job's destination and
    /// one in its pair. Other pairs count as full, so only the freed pair's waiting work is read; if it has none, the worker reads
    /// the counters to hand the slot to another pair.
    /// </summary>
    public static SlotView JustFreed(CopyJobKey released, ReplicationPolicy policy)
    {
        var destination = released.Destination;
        var budget = policy.BudgetFor(destination);
        var others = policy.SourceRegions.Where(s => s != released.SourceRegion && s != released.DestinationRegion)
            .Select(s => new SlotCounter(SlotScope.Pair(s, destination), budget.MaxInFlightPerSource, new HashSet<CopyJobKey>()));
        return new SlotView(
        [
            new SlotCounter(SlotScope.All(destination), budget.MaxInFlight - 1, new HashSet<CopyJobKey>()),
            new SlotCounter(SlotScope.Pair(released.SourceRegion, destination), budget.MaxInFlightPerSource - 1, new HashSet<CopyJobKey>()),
            .. others,
        ], policy);
    }

    /// <summary>The counters as read.</summary>
    public IReadOnlyList<SlotCounter> Counters { get; }

    /// <summary>Every destination the view knows of: the policy's, its targets', and those with counters (a destination since removed, say).</summary>
    public IEnumerable<CopyDestination> Destinations =>
        _policy.AllDestinations.Concat(Counters.Select(c => c.Scope.Destination)).Distinct();

    /// <summary>Source regions whose jobs may wait for the destination: the policy's, and any with a pair counter there.</summary>
    public IReadOnlyCollection<string> SourcesOf(CopyDestination destination)
    {
        var sources = SourcesSet(destination);
        sources.UnionWith(_policy.SourceRegions.Where(s => s != destination.Region));
        return sources;
    }

    /// <summary>Whether the counter of the scope was read (or rebuilt) by this view.</summary>
    public bool Knows(SlotScope scope) => _inFlight.ContainsKey(scope);

    /// <summary>Counters read again (after a repair): what they hold now replaces what the view had of them.</summary>
    public void Update(IEnumerable<SlotCounter> counters)
    {
        foreach (var counter in counters)
        {
            _inFlight[counter.Scope] = counter.InFlight;
            if (counter.Claims is { } claims)
            {
                _claims[counter.Scope] = claims;
            }
        }
    }

    /// <summary>A counter rebuilt after the view was read.</summary>
    public void Learn(SlotCounter counter)
    {
        _inFlight.TryAdd(counter.Scope, counter.InFlight);
        if (counter.Scope.SourceRegion is { } source)
        {
            SourcesSet(counter.Scope.Destination).Add(source);
        }
    }

    /// <summary>The claims the scope's counter had taken when read, with this worker's since (<see cref="SlotCounter.Claims"/>); null when not read.</summary>
    public long? Claims(SlotScope scope) => _claims.TryGetValue(scope, out var claims) ? claims : null;

    public int InFlight(CopyDestination destination) => _inFlight.GetValueOrDefault(SlotScope.All(destination));

    /// <summary>Free slots of the scope by the policy's current budget (a counter not read yet counts as empty: its claim rebuilds it).</summary>
    public int Free(SlotScope scope)
    {
        var budget = _policy.BudgetFor(scope.Destination);
        var max = scope.SourceRegion is null ? budget.MaxInFlight : budget.MaxInFlightPerSource;
        return Math.Max(0, max - _inFlight.GetValueOrDefault(scope));
    }

    public bool BacksOffAt(CopyDestination destination, DateTimeOffset now) => _backOffUntil.GetValueOrDefault(destination) > now;

    public void Took(CopyJobKey key)
    {
        Add(key, 1);
        var pair = SlotScope.Pair(key.SourceRegion, key.Destination);
        if (_claims.TryGetValue(pair, out var claims))
        {
            _claims[pair] = claims + 1;
        }
    }

    public void Released(CopyJobKey key) => Add(key, -1);

    /// <summary>The claim was refused because the scope is full: count it full from now on.</summary>
    public void Full(SlotScope scope) => _inFlight[scope] = Math.Max(_inFlight.GetValueOrDefault(scope), int.MaxValue / 2);

    public void BackedOff(CopyDestination destination, DateTimeOffset until) => _backOffUntil[destination] = until;

    private void Add(CopyJobKey key, int change)
    {
        SourcesSet(key.Destination).Add(key.SourceRegion);
        foreach (var scope in SlotScope.HeldBy(key))
        {
            _inFlight[scope] = Math.Max(0, _inFlight.GetValueOrDefault(scope) + change);
        }
    }

    private SortedSet<string> SourcesSet(CopyDestination destination)
    {
        if (!_sources.TryGetValue(destination, out var set))
        {
            _sources[destination] = set = new SortedSet<string>(StringComparer.Ordinal);
        }

        return set;
    }
}
