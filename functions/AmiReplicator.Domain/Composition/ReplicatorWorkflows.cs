using AmiReplicator.Domain.Copying;
using AmiReplicator.Domain.Jobs;
using AmiReplicator.Domain.Lifecycle;
using AmiReplicator.Domain.Observability;
using AmiReplicator.Domain.Policy;
using AmiReplicator.Domain.Slots;
using AmiReplicator.Domain.Sweep;
using AmiReplicator.Domain.Targets;
using Microsoft.Extensions.Logging;

namespace AmiReplicator.Domain.Composition;

/// <summary>
/// The replicator's workflows over its ports, its policy and one context: the one place they are put together. Both Lambda
/// functions, the operator CLI and every test harness compose the replicator here, so a job moved by any of them is moved by the
/// same code and counted in the same metrics (every write goes through the metered store).
/// </summary>
public sealed class ReplicatorWorkflows
{
    /// <param name="accountId">The account the replicator runs in: whose AMIs the policy's owner "self" means.</param>
    /// <param name="homeRegion">The sweep's source region when the policy names none.</param>
    public ReplicatorWorkflows(ReplicatorPorts ports, ReplicationPolicy policy, string accountId, string homeRegion, WorkflowContext context)
    {
        policy.RefuseHomeAccountAsTarget(accountId);
        var (options, metrics, clock, logging) = context;
        var (images, keys, lifecycle) = (ports.Images, ports.Keys, ports.Lifecycle);
        var store = Store = new MeteredCopyJobStore(ports.Store, metrics);
        Requests = ports.Requests;
        Policy = policy;

        var steps = new JobSteps(store, policy, options, metrics, clock, logging.CreateLogger<JobSteps>());
        var reconciler = new CounterReconciler(store, options, metrics, logging.CreateLogger<CounterReconciler>());
        // Copies are kept (followed, retained, pointed at) in every destination's account, a target account's through its spoke role.
        var accounts = lifecycle is null ? null : new DestinationAccounts(images, lifecycle, ports.Parameters, ports.Targets, policy);
        var follower = accounts is null ? null
            : new LifecycleFollower(store, accounts, policy, accountId, clock, logging.CreateLogger<LifecycleFollower>());
        var latestCopy = LatestCopyPointer.For(policy, accounts, logging);
        var destinations = new DestinationImages(images, ports.Targets, policy, ports.LaunchTemplates);
        var launchTemplates = policy.LaunchTemplates is { } templates
            ? new LaunchTemplateFollower(images, templates, metrics, logging.CreateLogger<LaunchTemplateFollower>())
            : null;
        var finisher = new CopyFinisher(store, destinations, keys, policy, options, steps, clock, logging.CreateLogger<CopyFinisher>(), accounts, latestCopy,
            launchTemplates);
        Canceller = new CopyCanceller(store, destinations, finisher, policy, options, clock, logging.CreateLogger<CopyCanceller>());
        Retention = accounts is null || policy.Retention is null ? null
            : new CopyRetention(store, accounts, policy, metrics, clock, logging.CreateLogger<CopyRetention>(), latestCopy);
        SelectedSources = new SelectedSourceImages(store, images, policy, accountId);
        var sourceRegions = policy.SourceRegions.Count > 0 ? policy.SourceRegions : [homeRegion];
        var sweep = ports.Requests is not { } requests ? null : new SourceSweep(store, images, requests, policy,
            sourceRegions, accountId, clock, logging.CreateLogger<SourceSweep>());
        Targets = ports.TargetLists is not { } targetLists ? null : new TargetListSync(ports.Organization, targetLists, SelectedSources, ports.Requests, policy,
            sourceRegions, accountId, clock, logging.CreateLogger<TargetListSync>());

        // One each: in Lambda the two functions are two processes, each with its own read-ahead of waiting work; the targets' answers
        // are shared, so no target is asked twice in one process.
        var preflight = new TargetPreflight(destinations, policy, accountId, clock, logging.CreateLogger<TargetPreflight>());
        CopyStarter Starter() => new(store, destinations, policy, steps, reconciler, new WaitingCandidates(store, policy, clock), finisher, preflight, metrics, clock,
            logging.CreateLogger<CopyStarter>());
        Dispatcher = new ReplicationDispatcher(store, destinations, keys, Starter(), finisher, policy, accountId, clock, logging.CreateLogger<ReplicationDispatcher>(), follower);
        Distributions = new DistributionProgress(store, policy, ports.Events, clock, logging.CreateLogger<DistributionProgress>());
        Poller = new CopyPoller(store, destinations, Starter(), finisher, Canceller, reconciler, steps, sweep, policy, options, metrics, clock,
            logging.CreateLogger<CopyPoller>(), Retention, follower, Distributions);
    }

    public ReplicationPolicy Policy { get; }

    /// <summary>The job store as every workflow writes it: each transition counted in the metrics.</summary>
    public ICopyJobStore Store { get; }

    /// <summary>Turns requests and AMI events into jobs and starts what the budgets allow (the dispatcher function's work).</summary>
    public ReplicationDispatcher Dispatcher { get; }

    /// <summary>The scheduled pass (the poller function's work).</summary>
    public CopyPoller Poller { get; }

    /// <summary>Cancels jobs by hand (`amirepl cancel`), as exactly as the replicator ends one.</summary>
    public CopyCanceller Canceller { get; }

    /// <summary>Distributions followed: rollout waves let go, completed events sent, a held rollout resumed (`amirepl rollout resume`).</summary>
    public DistributionProgress Distributions { get; }

    /// <summary>Retention now (`amirepl prune`), when the policy has one and the lifecycle calls are given.</summary>
    public CopyRetention? Retention { get; }

    /// <summary>The source AMIs the policy selects, with their jobs (`amirepl backfill`, and the sweep).</summary>
    public SelectedSourceImages SelectedSources { get; }

    /// <summary>The target list of the policy's organizational units: loaded once per invocation, synced by the poller and `amirepl targets sync`.</summary>
    public TargetListSync? Targets { get; }

    /// <summary>Where requests are sent, when the caller has the queue.</summary>
    public IRequestQueue? Requests { get; }
}
