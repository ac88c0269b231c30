namespace AmiReplicator.Ec2Simulator.Model;

/// <summary>
/// The behaviour model: every region's images and snapshots, and what each account holds in each region. All state sits behind one
/// lock; time-driven changes (copies finishing) are applied from the clock at the start of every request
/// or inspection, and the state-change events they produce are published after the lock is released.
/// </summary>
internal sealed partial class Ec2Cloud
{
    private readonly Lock _gate = new();
    private readonly Lock _publishGate = new();
    private readonly Ec2SimulatorOptions _options;
    private readonly Dictionary<string, SharedRegion> _regions;
    private readonly Dictionary<(string AccountId, string Region), RegionState> _accountRegions = [];
    private readonly PriorityQueue<SimImage, DateTimeOffset> _pendingCopies = new();
    private readonly List<ImageStateChange> _stateChanges = [];
    private readonly Dictionary<string, string> _eventForwarding = new(StringComparer.Ordinal);
    private readonly Queue<ImageStateChange> _unpublished = new();
    private readonly Action<ImageStateChange> _publish;

    public Ec2Cloud(Ec2SimulatorOptions options, Action<ImageStateChange> publish)
    {
        _options = options;
        _publish = publish;
        _regions = options.Regions.ToDictionary(name => name, name => new SharedRegion(name), StringComparer.Ordinal);
    }

    /// <summary>The account of callers whose credentials name no other (see <see cref="Identify"/>).</summary>
    public string DefaultAccountId => _options.AccountId;

    private DateTimeOffset Now => _options.Clock.GetUtcNow();

    /// <summary>Runs <paramref name="action"/> on up-to-date state, then publishes the events it caused.</summary>
    public T Run<T>(Func<T> action)
    {
        T result;
        lock (_gate)
        {
            ApplyElapsedTime();
            result = action();
        }

        PublishEvents();
        return result;
    }

    public void Run(Action action) => Run(() =>
    {
        action();
        return true;
    });

    /// <summary>
    /// The checks every API call goes through, in AWS's order: the credential's region, the caller's credentials, the region's
    /// access for the caller's account, then any fault injected for this action. Answers who calls.
    /// </summary>
    public CallerIdentity BeginCall(CallScope scope, string action) => Run(() =>
    {
        if (!_regions.TryGetValue(scope.Region, out var shared))
        {
            throw Ec2Errors.AuthFailure("Credential should be scoped to a valid region.");
        }

        shared.Calls[action] = shared.Calls.GetValueOrDefault(action) + 1;
        var caller = Identify(scope);
        CheckAccess(Region(caller.AccountId, scope.Region));
        if (shared.Faults.TryGetValue(action, out var faults) && faults.TryDequeue(out var fault))
        {
            throw fault switch
            {
                ApiFault.Throttle when scope.Service == CallScope.Sts => StsErrors.Throttling(),
                ApiFault.Throttle => Ec2Errors.RequestLimitExceeded(),
                ApiFault.InternalError => Ec2Errors.InternalError(),
                _ => Ec2Errors.Unavailable(),
            };
        }

        return caller;
    });

    public void RecordError(string region, string code) => Run(() =>
    {
        if (_regions.TryGetValue(region, out var state))
        {
            state.Errors[code] = state.Errors.GetValueOrDefault(code) + 1;
        }
    });

    private static void CheckAccess(RegionState state)
    {
        switch (state.Access)
        {
            case RegionAccess.NotOptedIn:
                throw Ec2Errors.AuthFailure();
            case RegionAccess.Denied:
                throw Ec2Errors.Unauthorized();
        }
    }

    private SharedRegion Shared(string name) =>
        _regions.TryGetValue(name, out var state)
            ? state
            : throw new ArgumentException($"Region '{name}' is not simulated.", nameof(name));

    /// <summary>The account's state in the region, made on first use with the account's own aws/ebs key there.</summary>
    private RegionState Region(string accountId, string name)
    {
        if (_accountRegions.TryGetValue((accountId, name), out var state))
        {
            return state;
        }

        var shared = Shared(name);
        var defaultKey = NewKmsKey(name, accountId, isAwsManaged: true);
        state = new RegionState(shared, accountId, defaultKey.Arn);
        state.NameKmsKey(defaultKey, "alias/aws/ebs");
        _accountRegions.Add((accountId, name), state);
        return state;
    }

    /// <summary>Ends every copy whose time has come, in completion order, each at its own completion time.</summary>
    private void ApplyElapsedTime()
    {
        var now = Now;
        while (_pendingCopies.TryPeek(out var image, out var completesAt) && completesAt <= now)
        {
            _pendingCopies.Dequeue();
            if (image.State != ImageStates.Pending)
            {
                continue; // Deregistered while pending: it never completes.
            }

            image.State = image.PlannedFailure is null ? ImageStates.Available : ImageStates.Failed;
            image.Reason = image.PlannedFailure;
            foreach (var snapshot in SnapshotsOf(image))
            {
                snapshot.State = image.PlannedFailure is null ? "completed" : "error";
            }

            RecordStateChange(image, completesAt);
        }

        ApplyParameterWrites(now);
    }

    /// <summary>EventBridge tells only the account that owns the image: the event goes to its bus, named by its account.</summary>
    private void RecordStateChange(SimImage image, DateTimeOffset at)
    {
        var change = new ImageStateChange(
            image.Region, image.Id, image.State, at, image.OwnerId, image.Reason?.Message ?? string.Empty);
        _stateChanges.Add(change);
        _unpublished.Enqueue(change);
    }

    /// <summary>Hands events to the subscriber outside the state lock, one at a time and in order.</summary>
    private void PublishEvents()
    {
        lock (_publishGate)
        {
            while (true)
            {
                ImageStateChange? next;
                lock (_gate)
                {
                    if (!_unpublished.TryDequeue(out next))
                    {
                        return;
                    }
                }

                _publish(next);
            }
        }
    }

    private IEnumerable<SimSnapshot> SnapshotsOf(SimImage image)
    {
        var region = _regions[image.Region];
        foreach (var device in image.BlockDevices)
        {
            if (device.SnapshotId is { } id && region.Snapshots.TryGetValue(id, out var snapshot))
            {
                yield return snapshot;
            }
        }
    }

    private string NewImageId()
    {
        while (true)
        {
            var id = ResourceIds.NewImageId();
            if (!_regions.Values.Any(region => region.Images.ContainsKey(id)))
            {
                return id;
            }
        }
    }

    private string NewSnapshotId()
    {
        while (true)
        {
            var id = ResourceIds.NewSnapshotId();
            if (!_regions.Values.Any(region => region.Snapshots.ContainsKey(id)))
            {
                return id;
            }
        }
    }
}
