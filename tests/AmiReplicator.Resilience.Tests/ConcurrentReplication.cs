using System.Collections.Concurrent;
using System.Text.Json;
using Amazon.DynamoDBv2;
using AmiReplicator.Aws.DynamoDb;
using AmiReplicator.Aws.Ec2;
using AmiReplicator.Domain.Images;
using AmiReplicator.Domain.Jobs;
using AmiReplicator.Domain.Policy;
using AmiReplicator.Ec2Simulator;
using AmiReplicator.Functions;
using AmiReplicator.LocalCloud;
using AmiReplicator.LocalCloud.Permissions;
using AmiReplicator.Messages;
using AmiReplicator.Resilience.Tests.Faults;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using static AmiReplicator.Resilience.Tests.Invariants;

namespace AmiReplicator.Resilience.Tests;

/// <summary>
/// Runs a <see cref="ConcurrencyScenario"/>: the real workflows on DynamoDB Local and the EC2 simulator, several dispatcher and poller
/// invocations at once per round (as Lambda runs them) through <see cref="Chaos"/>, the virtual clock advanced between rounds, the
/// invariants checked after every round; then the faults stop and the real handlers run on until every job is done.
/// </summary>
public sealed class ConcurrentReplication : IAsyncDisposable
{
    public const int MaxRecoveryMinutes = 90;

    /// <summary>EC2's own limits, above every budget: EC2 would not stop an overrun, so the simulator's peaks show one.</summary>
    public const int Ec2Limit = 6;

    private static readonly string[] FaultedActions =
        ["CopyImage", "DescribeImages", "DescribeImageAttribute", "ModifyImageAttribute", "CreateTags", "EnableImageDeprecation", "DeregisterImage"];

    private readonly ConcurrencyScenario _scenario;
    private readonly Ec2Simulator.Ec2Simulator _ec2;
    private readonly Replicator _replicator;
    private readonly PermissionCheck _permissions;
    private readonly Ec2Clients _clients;
    private readonly ILoggerFactory _logging;
    private readonly ConcurrentQueue<ImageStateChange> _copyEvents = new();
    private readonly MessageQueue _queue = new();
    private readonly Workers _faulty;
    private readonly Workers _clean;
    private readonly List<string> _sourceImageIds = [];
    private IDisposable? _otherTools;

    private ConcurrentReplication(ConcurrencyScenario scenario, FakeTimeProvider clock, Chaos chaos, Ec2Simulator.Ec2Simulator ec2,
        PermissionCheck permissions, Replicator replicator, StringWriter log, ILoggerFactory logging)
    {
        _permissions = permissions;
        _scenario = scenario;
        Clock = clock;
        Chaos = chaos;
        _ec2 = ec2;
        _replicator = replicator;
        Log = log;
        _logging = logging;
        _clients = new Ec2Clients(ec2.Endpoint, LocalReplication.Credentials);
        _faulty = Workers.Compose(new FaultyJobStore(replicator.Store, chaos), new FaultyImageGateway(new Ec2ImageGateway(_clients), chaos),
            _queue, _queue, replicator.Settings, clock, logging);
        _clean = Workers.Of(replicator);
        var destinations = scenario.Destinations.Select(d => d.Region).ToHashSet();
        // EventBridge forwards the copies' own available and failed events to the queue (the stack's second pattern).
        ec2.ImageStateChanged += (_, change) =>
        {
            if (destinations.Contains(change.Region) && change.State is "available" or "failed")
            {
                _copyEvents.Enqueue(change);
            }
        };
    }

    public FakeTimeProvider Clock { get; }
    public Chaos Chaos { get; }
    public StringWriter Log { get; }
    public ReplicationPolicy Policy => _replicator.Settings.Policy;
    public int Rounds { get; private set; }
    public int RecoveryMinutes { get; private set; }

    private IEnumerable<string> Destinations => _scenario.Destinations.Select(d => d.Region);

    public static async Task<ConcurrentReplication> StartAsync(LocalCloudServers servers, ConcurrencyScenario scenario)
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 11, 25, 8, 0, 0, TimeSpan.Zero));
        var chaos = new Chaos(scenario.Seed, scenario.Rates);
        var ec2 = await Ec2Simulator.Ec2Simulator.StartAsync(new Ec2SimulatorOptions
        {
            Clock = clock,
            CopyDurationFor = _ => TimeSpan.FromSeconds(60 + chaos.Next(150)),
            MaxConcurrentCopiesPerDestination = Ec2Limit,
            MaxConcurrentCopiesPerSourceRegion = Ec2Limit,
        });
        var name = $"amirepl-{Guid.NewGuid():N}"[..24];
        // moto serves the functions' SQS and EventBridge calls (the distribution completed events) locally.
        var settings = new ReplicatorSettings(name, ReplicationPolicy.Parse(scenario.PolicyJson()), ec2.AccountId, LocalReplication.Home,
            ec2.Endpoint, servers.DynamoDbUrl, SqsEndpoint: servers.MotoUrl);
        var permissions = PermissionCheck.Start(settings.Policy, name, ec2);
        var log = new StringWriter();
        var logging = LoggerFactory.Create(b => b.AddProvider(new JsonLineLoggerProvider(TextWriter.Synchronized(log))));
        var replicator = new Replicator(settings, clock, logging, null, LocalReplication.Credentials);
        await JobTable.CreateIfMissingAsync(replicator.DynamoDb, name, CancellationToken.None);
        return new ConcurrentReplication(scenario, clock, chaos, ec2, permissions, replicator, log, logging);
    }

    public async Task RunAsync()
    {
        for (var i = 0; i < _scenario.AmiSources.Count; i++)
        {
            var id = _ec2.SeedImage(_scenario.AmiSources[i], new SeedImage
            {
                Name = $"golden-{i}",
                Tags = new Dictionary<string, string> { ["team"] = "platform", ["Name"] = $"golden-{i}", ["env"] = "prod" },
                LaunchPermissions = [LaunchPermissionEntry.ForAccount("111122223333")],
            });
            _sourceImageIds.Add(id);
            _queue.Send(LocalReplication.AvailableEvent(_scenario.AmiSources[i], id, id));
        }

        foreach (var (destination, failures) in _scenario.Destinations.Zip(_scenario.FailedCopiesPerDestination))
        {
            _ec2.FailNextCopies(destination.Region, failures);
        }

        for (Rounds = 0; Rounds < _scenario.ChaosRounds; Rounds++)
        {
            InjectEc2Faults();
            ForwardCopyEvents();
            var workers = Enumerable.Range(0, _scenario.Dispatchers).Select(_ => DispatchAsync())
                .Concat(Enumerable.Range(0, _scenario.Pollers).Select(_ => PollAsync()))
                .ToList();
            await Task.WhenAll(workers.Append(SlowInvocationsAsync(workers)));
            await CheckAsync($"after round {Rounds}");
            Clock.Advance(TimeSpan.FromSeconds(20 + Chaos.Next(70)));
        }

        await RecoverAsync();
    }

    /// <summary>
    /// With <see cref="ConcurrencyScenario.SlowInvocations"/>, virtual time also passes while the workers run, as if invocations
    /// took minutes (SDK retries, a slow EC2): claims go stale under workers that are still alive.
    /// </summary>
    private async Task SlowInvocationsAsync(IReadOnlyList<Task> workers)
    {
        while (_scenario.SlowInvocations && !workers.All(w => w.IsCompleted))
        {
            await Task.Delay(1 + Chaos.Next(5));
            Clock.Advance(TimeSpan.FromSeconds(10 + Chaos.Next(40)));
        }
    }

    /// <summary>The faults stop; the real handlers run, once a minute, until every job is done.</summary>
    private async Task RecoverAsync()
    {
        Chaos.Enabled = false;
        _otherTools?.Dispose();
        for (RecoveryMinutes = 0; RecoveryMinutes < MaxRecoveryMinutes; RecoveryMinutes++)
        {
            ForwardCopyEvents();
            while (_queue.Count > 0)
            {
                var batch = _queue.Receive(10, Chaos.Next);
                var response = await Actor.RunAsync(Actor.Dispatcher, () => _clean.Dispatcher.HandleAsync(batch, CancellationToken.None));
                Check(response.BatchItemFailures.Count == 0, $"with no fault left, the dispatcher failed messages: {string.Join(", ", batch.Records.Select(r => r.Body))}");
                _queue.Complete(batch, response);
            }

            await Actor.RunAsync(Actor.Poller, () => _clean.Poller.RunAsync(CancellationToken.None));
            var jobs = await CheckAsync($"after recovery minute {RecoveryMinutes}");
            if (jobs.Count == _sourceImageIds.Count * _scenario.Destinations.Count && jobs.All(j => j.State.IsTerminal()))
            {
                return;
            }

            Clock.Advance(TimeSpan.FromMinutes(1));
        }

        throw new TimeoutException($"Jobs not done after {MaxRecoveryMinutes} minutes of recovery:\n"
            + string.Join("\n", (await Inspection.ListJobsAsync(CancellationToken.None)).Select(j => $"{j.Key} {j.State} {j.LastError}")));
    }

    /// <summary>One dispatcher invocation per batch, a few batches; a crash returns its whole batch to the queue.</summary>
    private async Task DispatchAsync()
    {
        for (var i = 0; i < 3; i++)
        {
            var batch = _queue.Receive(1 + Chaos.Next(3), Chaos.Next, duplicate: _scenario.DuplicateDeliveries && Chaos.Percent(20));
            if (batch.Records.Count == 0)
            {
                return;
            }

            try
            {
                var response = await Actor.RunAsync(Actor.Dispatcher, () => _faulty.Dispatcher.HandleAsync(batch, CancellationToken.None));
                _queue.Complete(batch, response);
            }
            catch (SimulatedCrash)
            {
                _queue.Abandon(batch);
            }
        }
    }

    /// <summary>One poller invocation; one that crashed or ended in error is simply over (the next schedule runs another).</summary>
    private async Task PollAsync()
    {
        try
        {
            await Actor.RunAsync(Actor.Poller, () => _faulty.Poller.RunAsync(CancellationToken.None));
        }
        catch (SimulatedCrash)
        {
        }
        catch (InvalidOperationException e) when (e.Message.StartsWith("Poller pass incomplete", StringComparison.Ordinal))
        {
        }
        catch (AmazonDynamoDBException)
        {
            // Listing the counters failed before any region was polled.
        }
    }

    private void InjectEc2Faults()
    {
        if (_scenario.Ec2Faults && Chaos.Percent(60))
        {
            var regions = Destinations.Concat(ConcurrencyScenario.SourceRegions).ToList();
            _ec2.InjectFault(regions[Chaos.Next(regions.Count)], FaultedActions[Chaos.Next(FaultedActions.Length)], 1 + Chaos.Next(2),
                (ApiFault)Chaos.Next(3));
        }

        if (_scenario.BackPressure)
        {
            // Other tools fill a destination's copy limit for a while: CopyImage answers ResourceLimitExceeded there.
            if (_otherTools is null && Chaos.Percent(30))
            {
                _otherTools = _ec2.OccupyCopySlots(Destinations.ElementAt(Chaos.Next(_scenario.Destinations.Count)), Ec2Limit);
            }
            else if (_otherTools is not null && Chaos.Percent(50))
            {
                _otherTools.Dispose();
                _otherTools = null;
            }
        }

        if (_scenario.DuplicateDeliveries && Chaos.Percent(30))
        {
            var i = Chaos.Next(_sourceImageIds.Count);
            _queue.Send(LocalReplication.AvailableEvent(_scenario.AmiSources[i], _sourceImageIds[i], $"again-{Rounds}"));
        }
    }

    private void ForwardCopyEvents()
    {
        foreach (var destination in Destinations)
        {
            _ = _ec2.PendingCopies(destination);
        }

        while (_copyEvents.TryDequeue(out var change))
        {
            _queue.Send(change.ToEventBridgeJson());
        }
    }

    private CopyJobInspection Inspection => new(_replicator.DynamoDb, _replicator.Settings.TableName);

    /// <summary>The invariants at a quiet moment (no worker running): counters match the jobs within budget, EC2 matches the jobs.</summary>
    private async Task<IReadOnlyList<CopyJob>> CheckAsync(string when)
    {
        var jobs = await Inspection.ListJobsAsync(CancellationToken.None);
        var counters = await Inspection.ListCountersAsync(CancellationToken.None);
        CountersAgreeWithJobs(counters, jobs, Policy, when);
        ImagesAgreeWithJobs(_ec2, Destinations, jobs, when);
        PeaksWithinBudgets(_ec2, Policy, ConcurrencyScenario.SourceRegions);
        return jobs;
    }

    /// <summary>After recovery: one job per AMI and destination, each with exactly one available copy; nothing in flight; no message lost.</summary>
    public async Task AssertSettledAsync()
    {
        var jobs = await Inspection.ListJobsAsync(CancellationToken.None);
        var counters = await Inspection.ListCountersAsync(CancellationToken.None);
        var expected = _sourceImageIds.Zip(_scenario.AmiSources)
            .SelectMany(s => Destinations.Select(d => new CopyJobKey(s.Second, s.First, d).ToString()))
            .Order(StringComparer.Ordinal);
        Check(expected.SequenceEqual(jobs.Select(j => j.Key.ToString()).Order(StringComparer.Ordinal)),
            $"jobs [{string.Join(", ", jobs.Select(j => j.Key))}]; one per AMI and destination expected");
        Settled(_ec2, jobs, counters, Destinations);
        PeaksWithinBudgets(_ec2, Policy, ConcurrencyScenario.SourceRegions);
        Check(_queue.Count == 0, $"{_queue.Count} messages left on the queue");
        Check(_queue.DeadLetters.Count == 0, $"messages dead-lettered: {string.Join("; ", _queue.DeadLetters)}");
        AssertOnlyInjectedErrorsLogged();
    }

    /// <summary>Every error the handlers logged comes from a fault injected here (or a race the store reports as such), not a defect.</summary>
    private void AssertOnlyInjectedErrorsLogged()
    {
        string[] expected = [typeof(Amazon.DynamoDBv2.Model.InternalServerErrorException).FullName!, typeof(ImageServiceException).FullName!];
        foreach (var line in Log.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            using var json = JsonDocument.Parse(line);
            if (json.RootElement.TryGetProperty("errorType", out var type) && !expected.Contains(type.GetString()))
            {
                Check(false, $"unexpected error logged: {line}");
            }
        }
    }

    public int PeakPendingCopies(string destination) => _ec2.PeakPendingCopies(destination);

    public async ValueTask DisposeAsync()
    {
        _otherTools?.Dispose();
        _clients.Dispose();
        _replicator.Dispose();
        _logging.Dispose();
        await _ec2.DisposeAsync();
        _permissions.Dispose();
        _permissions.ThrowIfViolated();
    }
}
