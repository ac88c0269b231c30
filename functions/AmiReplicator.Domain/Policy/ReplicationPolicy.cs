using System.Text.Json;
using System.Text.RegularExpressions;
using AmiReplicator.Contract;
using AmiReplicator.Domain.Jobs;
using AmiReplicator.Domain.Slots;

namespace AmiReplicator.Domain.Policy;

/// <summary>A validated replication policy. Build it with <see cref="Parse"/> or <see cref="FromDocument"/>.</summary>
public sealed partial record ReplicationPolicy(
    IReadOnlyList<Destination> Destinations,
    IReadOnlyList<string> SourceRegions,
    Selection Selection,
    CopyTemplates Templates,
    IReadOnlyDictionary<string, string> ExtraTags,
    RetryPolicy Retries,
    string Schedule,
    SlotBudget DefaultBudget,
    bool CopyPublicLaunchPermission = false,
    TimeSpan? SweepInterval = null,
    bool ShareSnapshots = false)
{
    public const int DefaultSweepIntervalMinutes = 60;
    public const int MaxSweepIntervalMinutes = 7 * 24 * 60;

    public const int DefaultMaxInFlightPerDestination = 50;
    public const int DefaultMaxInFlightPerSource = 25;
    public const string DefaultSchedule = "rate(1 minute)";

    /// <summary>
    /// The deployment these functions belong to (the stack's prefix; <see cref="ProvenanceTags.DefaultDeployment"/> without one). Not part
    /// of the policy document: the composition sets it from the environment. Copies name it, and retention, the latest-copy parameter
    /// and lifecycle following touch only the copies that name it.
    /// </summary>
    public string Deployment { get; init; } = ProvenanceTags.DefaultDeployment;

    /// <summary>What copies carry and follow of their source's lifecycle.</summary>
    public LifecyclePolicy Lifecycle { get; init; } = LifecyclePolicy.Default;

    /// <summary>How many copies of each family each destination keeps; null: every copy is kept.</summary>
    public RetentionPolicy? Retention { get; init; }

    /// <summary>How long an ended job's record is kept (from <c>jobRetentionDays</c>); null: kept forever.</summary>
    public TimeSpan? JobRetention { get; init; }

    /// <summary>The most days <c>jobRetentionDays</c> takes: DynamoDB's TTL ignores expiry times more than five years past.</summary>
    public const int MaxJobRetentionDays = 5 * 365;

    /// <summary>The parameter pointing at each family's newest copy in each destination; null: none is kept.</summary>
    public LatestCopyParameterPolicy? LatestCopyParameter { get; init; }

    /// <summary>The order new builds reach the target accounts in; null: every target starts at once.</summary>
    public RolloutPolicy? Rollout { get; init; }

    /// <summary>Which launch templates follow their family's newest build; null: none does.</summary>
    public LaunchTemplatePolicy? LaunchTemplates { get; init; }

    /// <summary>
    /// Other accounts' regions that get copies of their own (none: every copy is the home account's): each target's listed accounts, and
    /// the accounts of its organizational units as the target list in use resolved them (<see cref="UseTargetList"/>).
    /// </summary>
    public IReadOnlyList<Target> Targets
    {
        get => _resolved.Targets;
        init
        {
            _declared = value;
            _resolved = new ResolvedTargets(value, TargetList.Empty);
        }
    }

    /// <summary>The targets as the policy declares them: the accounts listed, and the organizational units not yet resolved.</summary>
    public IReadOnlyList<Target> DeclaredTargets => _declared;

    /// <summary>Whether a target names organizational units, whose accounts the target list resolves.</summary>
    public bool NamesOrganizationalUnits => _declared.Any(t => t.OrganizationalUnits.Count > 0);

    /// <summary>The accounts of the targets' organizational units in use, with when each joined and what changed.</summary>
    public TargetList TargetList => _resolved.List;

    /// <summary>
    /// Uses the target list as last resolved: the policy document is fixed, the accounts of its organizational units are not. Loaded once
    /// per invocation (<c>TargetAccounts</c>), swapped in whole, so a reader sees the old list or the new one, never a mix.
    /// </summary>
    public void UseTargetList(TargetList list) => _resolved = new ResolvedTargets(list.Apply(_declared), list);

    /// <summary>Every destination copies are kept in: the home account's regions, then each target's (account, region)s.</summary>
    public IEnumerable<CopyDestination> AllDestinations => Destinations.Select(d => d.Key).Concat(_resolved.Destinations.Keys);

    /// <summary>Whether the latest-copy parameter is kept in the destination: in each home region, and in a target's that asks for it.</summary>
    public bool KeepsLatestCopyParameterIn(CopyDestination destination) =>
        LatestCopyParameter is not null && (destination.IsHome || _resolved.PointedDestinations.Contains(destination));

    /// <summary>Whether target accounts copy the home account's copies in the region.</summary>
    private bool DistributesIn(string region) => _declared.Any(t => t.Regions.Contains(region));

    /// <summary>The key the home account's copies are encrypted with where target accounts copy them and the policy names none.</summary>
    public string DistributionKeyAlias => DistributionKey.AliasFor(Deployment);

    /// <summary>Whether the destination's encrypted copies use the distribution key: a home destination target accounts copy from, naming no key.</summary>
    public bool UsesDistributionKey(Destination destination) => destination is { Account: null, KmsKeyId: null } && DistributesIn(destination.Region);

    private readonly IReadOnlyList<Target> _declared = [];
    private ResolvedTargets _resolved = new([], TargetList.Empty);

    /// <summary>The targets with their accounts resolved, indexed for the lookups every job makes.</summary>
    private sealed class ResolvedTargets(IReadOnlyList<Target> targets, TargetList list)
    {
        public IReadOnlyList<Target> Targets { get; } = targets;
        public TargetList List { get; } = list;
        public Dictionary<CopyDestination, Destination> Destinations { get; } = targets.SelectMany(t => t.Destinations()).ToDictionary(d => d.Key);
        public Dictionary<string, string> RoleNames { get; } = targets.SelectMany(t => t.Accounts.Select(a => (Account: a, t.RoleName)))
            .DistinctBy(a => a.Account).ToDictionary(a => a.Account, a => a.RoleName, StringComparer.Ordinal);
        public HashSet<CopyDestination> PointedDestinations { get; } = [.. targets.Where(t => t.LatestCopyParameter).SelectMany(t => t.Destinations()).Select(d => d.Key)];
        public Dictionary<string, IReadOnlySet<string>> Units { get; } = list.Accounts.GroupBy(a => a.Account, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => (IReadOnlySet<string>)g.SelectMany(a => a.Units).ToHashSet(StringComparer.Ordinal), StringComparer.Ordinal);
    }

    /// <summary>Refuses a target naming the home account: its regions are the destinations, and a copy of its own copy would be a second job on one image.</summary>
    public void RefuseHomeAccountAsTarget(string homeAccountId)
    {
        for (var i = 0; i < _declared.Count; i++)
        {
            if (_declared[i].Accounts.ToList().IndexOf(homeAccountId) is var j and >= 0)
            {
                throw new PolicyException($"targets[{i}].accounts[{j}]", $"{homeAccountId} is the account the replicator runs in: its regions are the destinations");
            }
        }
    }

    /// <summary>
    /// The organizational units the account was found in by the target list in use, each target's unit and the child OUs down to the
    /// account's own (empty: an account no target's unit holds, the home account (null), or one of a list written before units were
    /// recorded), which rollout waves may name (<c>RolloutPolicy.WaveOf</c>).
    /// </summary>
    public IReadOnlySet<string> UnitsOf(string? account) =>
        account is not null && _resolved.Units.TryGetValue(account, out var units) ? units : NoUnits;

    private static readonly IReadOnlySet<string> NoUnits = new HashSet<string>();

    /// <summary>The spoke role of an account's target (the default name for an account no target names any longer).</summary>
    public string RoleNameFor(string account) => _resolved.RoleNames.GetValueOrDefault(account, Target.DefaultRoleName);

    /// <summary>The organization of the target accounts (o-...), when the policy names it: spoke roles are assumed only within it.</summary>
    public string? OrganizationId { get; init; }

    /// <summary>The policy's entry for a destination: one of its destinations (the home account's regions) or a target's (account, region).</summary>
    public Destination? FindDestination(CopyDestination destination) =>
        destination.IsHome ? Destinations.FirstOrDefault(d => d.Region == destination.Region) : _resolved.Destinations.GetValueOrDefault(destination);

    /// <summary>The destination, if it is in the policy and not draining: the ones new copies go to.</summary>
    public Destination? FindOpenDestination(CopyDestination destination) => FindDestination(destination) is { TakesNewCopies: true } open ? open : null;

    /// <summary>The destination's budget; a destination dropped from the policy keeps the default one until its copies finish.</summary>
    public SlotBudget BudgetFor(CopyDestination destination) => FindDestination(destination)?.Budget ?? DefaultBudget;

    public static ReplicationPolicy Parse(string json)
    {
        PolicyDocument? document;
        try
        {
            document = JsonSerializer.Deserialize(json, PolicyJsonContext.Default.PolicyDocument);
        }
        catch (JsonException e)
        {
            throw new PolicyException(JsonPathToField(e.Path), $"not valid policy JSON ({FirstSentence(e.Message)})");
        }

        return FromDocument(document ?? throw new PolicyException("policy", "is empty"));
    }

    public static ReplicationPolicy FromDocument(PolicyDocument document)
    {
        var budgets = document.Budgets ?? new BudgetsDocument();
        var defaultPerDestination = Positive(budgets.MaxInFlightPerDestination, "budgets.maxInFlightPerDestination")
            ?? DefaultMaxInFlightPerDestination;
        var defaultPerSource = Positive(budgets.MaxInFlightPerSource, "budgets.maxInFlightPerSource")
            ?? DefaultMaxInFlightPerSource;
        var defaultThroughput = Positive(budgets.MaxSnapshotCopyMiBpsPerSource, "budgets.maxSnapshotCopyMiBpsPerSource")
            ?? SlotBudget.DefaultSnapshotCopyMiBpsPerSource;

        if (document.Destinations is not { Count: > 0 })
        {
            throw new PolicyException("destinations", "at least one destination region is required");
        }

        var destinations = document.Destinations
            .Select((d, i) => ValidateDestination(d, $"destinations[{i}]", defaultPerDestination, defaultPerSource, defaultThroughput))
            .ToList();
        var targets = ValidateTargets(document.Targets ?? [], defaultPerDestination, defaultPerSource, defaultThroughput);
        for (var i = 0; i < targets.Count; i++)
        {
            // A target account copies the home account's copy in its region: the home account must have one there.
            if (targets[i].Regions.FirstOrDefault(r => destinations.All(d => d.Region != r)) is { } alone)
            {
                throw new PolicyException($"targets[{i}].regions",
                    $"'{alone}' is not one of the destinations: target accounts copy the home account's copy in their region, so it must be one");
            }

            // The accounts' parameters are the policy's: its name template, its families.
            if (targets[i].LatestCopyParameter && document.LatestCopyParameter is null)
            {
                throw new PolicyException($"targets[{i}].latestCopyParameter",
                    "asks for the latest-copy parameter in the target's accounts, which the policy's latestCopyParameter names: add it");
            }
        }

        if (document.Rollout is not null && targets.Count == 0)
        {
            throw new PolicyException("rollout", "waves order the target accounts, and the policy has no targets");
        }

        var duplicate = destinations.GroupBy(d => d.Region).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new PolicyException("destinations", $"region '{duplicate.Key}' is listed more than once");
        }

        var sourceRegions = (document.SourceRegions ?? [])
            .Select((r, i) => KnownRegion(r, $"sourceRegions[{i}]"))
            .Distinct()
            .ToList();

        var retries = document.Retries ?? new RetriesDocument();
        var maxAttempts = Positive(retries.MaxAttempts, "retries.maxAttempts") ?? RetryPolicy.Default.MaxAttempts;
        var backoff = Positive(retries.BackoffSeconds, "retries.backoffSeconds") is { } seconds
            ? TimeSpan.FromSeconds(seconds)
            : RetryPolicy.Default.Backoff;

        var templates = document.Templates ?? new TemplatesDocument();
        var extraTags = ValidateExtraTags(document.Tags ?? []);

        // The accounts of units are not known when the stack is made: the spoke's trust, the event bus and the distribution key admit
        // them as members of the organization.
        if (document.OrganizationId is null && targets.FindIndex(t => t.OrganizationalUnits.Count > 0) is var withUnits and >= 0)
        {
            throw new PolicyException($"targets[{withUnits}].organizationalUnits",
                "needs organizationId (o-...): the accounts of organizational units are admitted as members of the organization");
        }

        var retentionPolicy = document.Retention is { } retention ? RetentionPolicy.FromDocument(retention, document.SweepIntervalMinutes) : null;
        return new ReplicationPolicy(
            destinations,
            sourceRegions,
            ValidateSelection(document.Selection ?? new SelectionDocument()),
            new CopyTemplates(
                CopyTemplates.ValidateName(templates.Name ?? CopyTemplates.DefaultName, "templates.name"),
                CopyTemplates.ValidateDescription(templates.Description ?? CopyTemplates.DefaultDescription, "templates.description")),
            extraTags,
            new RetryPolicy(maxAttempts, backoff),
            ValidateSchedule(document.Schedule),
            new SlotBudget(defaultPerDestination, Math.Min(defaultPerSource, defaultPerDestination), defaultThroughput),
            document.CopyPublicLaunchPermission == true,
            ValidateSweepInterval(document.SweepIntervalMinutes),
            document.ShareSnapshots == true)
        {
            Lifecycle = LifecyclePolicy.FromDocument(document.Lifecycle ?? new LifecycleDocument()),
            Retention = retentionPolicy,
            JobRetention = ValidateJobRetention(document.JobRetentionDays),
            Targets = targets,
            OrganizationId = ValidateOrganizationId(document.OrganizationId),
            LatestCopyParameter = document.LatestCopyParameter is { } template ? LatestCopyParameterPolicy.FromDocument(template, retentionPolicy) : null,
            LaunchTemplates = document.LaunchTemplates is { } launchTemplates ? LaunchTemplatePolicy.FromDocument(launchTemplates, retentionPolicy) : null,
            Rollout = document.Rollout is { } rollout ? RolloutPolicy.FromDocument(rollout) : null,
        };
    }

    private static Destination ValidateDestination(DestinationDocument? d, string field, int defaultPerDestination, int defaultPerSource, int defaultThroughput)
    {
        if (d is null)
        {
            throw new PolicyException(field, "must be an object with at least a region");
        }

        var region = KnownRegion(d.Region, $"{field}.region");
        if (d.Encrypted == false)
        {
            throw new PolicyException($"{field}.encrypted",
                "false would ask for unencrypted copies, and EC2 cannot copy an encrypted snapshot to an unencrypted one; "
                + "omit it to keep each snapshot's encryption, or set true to encrypt every copy");
        }

        if (d.KmsKeyId is not null && d.Encrypted != true)
        {
            throw new PolicyException($"{field}.kmsKeyId", "a KMS key needs \"encrypted\": true (CopyImage rejects KmsKeyId without Encrypted)");
        }

        if (d.KmsKeyId is { } key && !KmsKeyPattern().IsMatch(key))
        {
            throw new PolicyException($"{field}.kmsKeyId", $"'{key}' is not a KMS key id, key ARN, alias name or alias ARN");
        }

        if (d.KmsKeyId is { } arn && arn.StartsWith("arn:", StringComparison.Ordinal) && arn.Split(':') is { Length: > 3 } parts && parts[3] != region)
        {
            throw new PolicyException($"{field}.kmsKeyId", $"the key is in region '{parts[3]}', but CopyImage needs a key in the destination region '{region}'");
        }

        var perDestination = Positive(d.MaxInFlight, $"{field}.maxInFlight") ?? defaultPerDestination;
        var perSource = Positive(d.MaxInFlightPerSource, $"{field}.maxInFlightPerSource") ?? Math.Min(defaultPerSource, perDestination);
        var throughput = Positive(d.MaxSnapshotCopyMiBpsPerSource, $"{field}.maxSnapshotCopyMiBpsPerSource") ?? defaultThroughput;
        return new Destination(region, d.Encrypted == true, d.KmsKeyId, new SlotBudget(perDestination, perSource, throughput), d.Drain == true)
        {
            SnapshotCopyCompletionDurationMinutes = SnapshotCopyThroughput.ValidateDuration(d.SnapshotCopyCompletionDurationMinutes, $"{field}.snapshotCopyCompletionDurationMinutes"),
        };
    }

    /// <summary>The most target accounts one policy names: the functions keep every target's destinations in memory and in view.</summary>
    public const int MaxTargetAccounts = 2_000;

    private static List<Target> ValidateTargets(List<TargetDocument> documents, int defaultPerDestination, int defaultPerSource, int defaultThroughput)
    {
        var targets = documents.Select((d, i) => ValidateTarget(d, $"targets[{i}]", defaultPerDestination, defaultPerSource, defaultThroughput)).ToList();
        var seen = new Dictionary<CopyDestination, int>();
        for (var i = 0; i < targets.Count; i++)
        {
            foreach (var destination in targets[i].Destinations())
            {
                if (!seen.TryAdd(destination.Key, i))
                {
                    throw new PolicyException($"targets[{i}].accounts",
                        $"account {destination.Account} in {destination.Region} is already a destination of targets[{seen[destination.Key]}]");
                }
            }
        }

        var accounts = targets.SelectMany(t => t.Accounts).Distinct().Count();
        return accounts <= MaxTargetAccounts
            ? targets
            : throw new PolicyException("targets", $"{accounts} accounts named; at most {MaxTargetAccounts} are supported");
    }

    private static Target ValidateTarget(TargetDocument? t, string field, int defaultPerDestination, int defaultPerSource, int defaultThroughput)
    {
        if (t is null)
        {
            throw new PolicyException(field, "must be an object with accounts and regions");
        }

        if (t.Accounts is not { Count: > 0 } && t.OrganizationalUnits is not { Count: > 0 })
        {
            throw new PolicyException($"{field}.accounts", "at least one account, or an organizational unit in organizationalUnits, is required");
        }

        var units = (t.OrganizationalUnits ?? []).Select((u, i) => u is not null && OrganizationalUnitPattern().IsMatch(u)
            ? u
            : throw new PolicyException($"{field}.organizationalUnits[{i}]", $"'{u}' is not an organizational unit id (ou-...) or the organization's root id (r-...)")).ToList();
        if (units.GroupBy(u => u).FirstOrDefault(g => g.Count() > 1) is { } unitTwice)
        {
            throw new PolicyException($"{field}.organizationalUnits", $"{unitTwice.Key} is listed more than once");
        }

        var accounts = (t.Accounts ?? []).Select((a, i) => a is not null && AccountIdPattern().IsMatch(a)
            ? a
            : throw new PolicyException($"{field}.accounts[{i}]", $"'{a}' is not a 12-digit account id")).ToList();
        if (accounts.GroupBy(a => a).FirstOrDefault(g => g.Count() > 1) is { } twice)
        {
            throw new PolicyException($"{field}.accounts", $"account {twice.Key} is listed more than once");
        }

        if (t.Regions is not { Count: > 0 })
        {
            throw new PolicyException($"{field}.regions", "at least one region is required");
        }

        var regions = t.Regions.Select((r, i) => KnownRegion(r, $"{field}.regions[{i}]")).ToList();
        if (regions.GroupBy(r => r).FirstOrDefault(g => g.Count() > 1) is { } regionTwice)
        {
            throw new PolicyException($"{field}.regions", $"region '{regionTwice.Key}' is listed more than once");
        }

        var roleName = t.RoleName ?? Target.DefaultRoleName;
        if (!RoleNamePattern().IsMatch(roleName))
        {
            throw new PolicyException($"{field}.roleName", $"'{roleName}' is not an IAM role name (1 to 64 letters, digits and +=,.@_-)");
        }

        foreach (var (region, key) in t.KmsKeys ?? [])
        {
            if (!regions.Contains(region))
            {
                throw new PolicyException($"{field}.kmsKeys.{region}", $"'{region}' is not one of the target's regions");
            }

            // One entry serves every account of the target, so it names the key the same way in each: by alias.
            if (key is null || !key.StartsWith("alias/", StringComparison.Ordinal) || !KmsKeyPattern().IsMatch(key))
            {
                throw new PolicyException($"{field}.kmsKeys.{region}", $"'{key}' is not a key alias (alias/...) that each account of the target has in {region}");
            }
        }

        var shares = (t.Mode ?? Target.CopyMode) switch
        {
            Target.CopyMode => false,
            Target.ShareMode => true,
            var mode => throw new PolicyException($"{field}.mode", $"'{mode}' is neither \"{Target.CopyMode}\" (a copy of each account's own) nor \"{Target.ShareMode}\" (launch permission on the home account's copy)"),
        };
        if (shares && t.KmsKeys is { Count: > 0 })
        {
            throw new PolicyException($"{field}.kmsKeys", "a target in share mode makes no copy to encrypt: its accounts launch the home account's copy, under the key of its destination");
        }

        var perDestination = Positive(t.MaxInFlight, $"{field}.maxInFlight") ?? defaultPerDestination;
        var perSource = Positive(t.MaxInFlightPerSource, $"{field}.maxInFlightPerSource") ?? Math.Min(defaultPerSource, perDestination);
        return new Target(accounts, regions, roleName, t.KmsKeys ?? [], new SlotBudget(perDestination, perSource, defaultThroughput))
        {
            SharesHomeCopy = shares,
            LatestCopyParameter = t.LatestCopyParameter == true,
            OrganizationalUnits = units,
        };
    }

    private static string? ValidateOrganizationId(string? id) => id is null || OrganizationIdPattern().IsMatch(id)
        ? id
        : throw new PolicyException("organizationId", $"'{id}' is not an organization id (o- and 10 to 32 lowercase letters or digits)");

    private static Selection ValidateSelection(SelectionDocument s)
    {
        var tags = s.Tags ?? [];
        foreach (var key in tags.Keys)
        {
            if (string.IsNullOrWhiteSpace(key))
            {
                throw new PolicyException("selection.tags", "tag keys must not be empty");
            }
        }

        var patterns = (s.NamePatterns ?? []).Select((p, i) => string.IsNullOrWhiteSpace(p)
            ? throw new PolicyException($"selection.namePatterns[{i}]", "must not be empty")
            : p).ToList();
        var owners = (s.OwnerAccounts ?? []).Select((o, i) => o == Selection.Self || AccountIdPattern().IsMatch(o)
            ? o
            : throw new PolicyException($"selection.ownerAccounts[{i}]", $"'{o}' is not a 12-digit account id or \"self\"")).ToList();
        return new Selection(tags, patterns, owners);
    }

    private static TimeSpan? ValidateJobRetention(int? days) => days switch
    {
        null => null,
        < 1 or > MaxJobRetentionDays => throw new PolicyException("jobRetentionDays",
            $"must be 1 to {MaxJobRetentionDays} days, or left out to keep ended jobs forever (got {days})"),
        _ => TimeSpan.FromDays(days.Value),
    };

    private static TimeSpan? ValidateSweepInterval(int? minutes) => minutes switch
    {
        null => TimeSpan.FromMinutes(DefaultSweepIntervalMinutes),
        0 => null,
        < 0 or > MaxSweepIntervalMinutes => throw new PolicyException("sweepIntervalMinutes", $"must be 0 (no sweep) or 1 to {MaxSweepIntervalMinutes} (got {minutes})"),
        _ => TimeSpan.FromMinutes(minutes.Value),
    };

    private static string ValidateSchedule(string? schedule)
    {
        if (schedule is null)
        {
            return DefaultSchedule;
        }

        if (!ScheduleExpressionPattern().IsMatch(schedule))
        {
            throw new PolicyException("schedule", $"'{schedule}' is not an EventBridge schedule expression such as \"rate(1 minute)\" or \"cron(* * * * ? *)\"");
        }

        return schedule;
    }

    /// <summary>The policy's tags must fit on every copy beside the provenance tags, within EC2's limits for each tag.</summary>
    private static Dictionary<string, string> ValidateExtraTags(Dictionary<string, string> tags)
    {
        var room = CopyTags.MaxTagsPerResource - ProvenanceTagCount;
        if (tags.Count > room)
        {
            throw new PolicyException("tags", $"{tags.Count} tags given; EC2 allows {CopyTags.MaxTagsPerResource} per resource and the replicator's own {ProvenanceTagCount} provenance tags leave room for {room}");
        }

        foreach (var (key, value) in tags)
        {
            var field = $"tags.{key}";
            if (string.IsNullOrWhiteSpace(key) || key.Length > CopyTags.MaxKeyLength)
            {
                throw new PolicyException(field, $"tag keys must be 1 to {CopyTags.MaxKeyLength} characters");
            }

            if (key.StartsWith("aws:", StringComparison.OrdinalIgnoreCase))
            {
                throw new PolicyException(field, "tag keys starting with 'aws:' are reserved by AWS and cannot be written");
            }

            if (key.StartsWith(ProvenanceTags.Prefix, StringComparison.Ordinal))
            {
                throw new PolicyException(field, $"tag keys starting with '{ProvenanceTags.Prefix}' are the replicator's provenance tags");
            }

            if (value is null || value.Length > CopyTags.MaxValueLength)
            {
                throw new PolicyException(field, $"tag values must be 0 to {CopyTags.MaxValueLength} characters");
            }
        }

        return tags;
    }

    private const int ProvenanceTagCount = 2;

    private static string KnownRegion(string? region, string field)
    {
        if (string.IsNullOrWhiteSpace(region))
        {
            throw new PolicyException(field, "a region is required");
        }

        return AwsRegions.Known.Contains(region)
            ? region
            : throw new PolicyException(field, $"'{region}' is not a known AWS region");
    }

    private static int? Positive(int? value, string field) => value switch
    {
        null => null,
        <= 0 => throw new PolicyException(field, $"must be greater than 0 (got {value})"),
        _ => value,
    };

    private static string JsonPathToField(string? path) =>
        string.IsNullOrEmpty(path) || path == "$" ? "policy" : path.TrimStart('$', '.');

    private static string FirstSentence(string message)
    {
        var end = message.IndexOf(". ", StringComparison.Ordinal);
        return end < 0 ? message.TrimEnd('.') : message[..end];
    }

    [GeneratedRegex("^(arn:aws[a-z-]*:kms:[a-z0-9-]+:\\d{12}:(key/[A-Za-z0-9-]+|alias/[A-Za-z0-9/_-]+)|[A-Fa-f0-9-]{36}|mrk-[a-f0-9]{32}|alias/[A-Za-z0-9/_-]+)$")]
    private static partial Regex KmsKeyPattern();

    [GeneratedRegex("^\\d{12}$")]
    private static partial Regex AccountIdPattern();

    [GeneratedRegex("^[\\w+=,.@-]{1,64}$")]
    private static partial Regex RoleNamePattern();

    [GeneratedRegex("^(ou-[a-z0-9]{4,32}-[a-z0-9]{8,32}|r-[a-z0-9]{4,32})$")]
    private static partial Regex OrganizationalUnitPattern();

    [GeneratedRegex("^o-[a-z0-9]{10,32}$")]
    private static partial Regex OrganizationIdPattern();

    [GeneratedRegex("^(rate\\(\\d+ (minute|minutes|hour|hours|day|days)\\)|cron\\([^)]+\\))$")]
    private static partial Regex ScheduleExpressionPattern();
}
