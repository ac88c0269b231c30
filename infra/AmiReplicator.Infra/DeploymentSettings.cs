using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using AmiReplicator.Contract;
using AmiReplicator.Domain.Jobs;
using AmiReplicator.Domain.Policy;

namespace AmiReplicator.Infra;

/// <summary>Everything the app reads from cdk.json context (and the CDK environment), validated before any construct is made.</summary>
internal sealed partial record DeploymentSettings(
    string HomeRegion,
    string? Account,
    ReplicationPolicy Policy,
    string PolicyJson,
    string? StackPrefix,
    IReadOnlyList<string> AlarmTopicArns,
    string? AlarmEmail,
    int? PollerReservedConcurrency,
    string LogLevel,
    SpokeSettings Spoke)
{
    public const string PolicyKey = "amiReplicator";
    public const string HomeRegionKey = "homeRegion";
    public const string AccountKey = "account";
    public const string StackPrefixKey = "stackPrefix";
    public const string AlarmTopicArnsKey = "alarmTopicArns";
    public const string AlarmEmailKey = "alarmEmail";
    public const string PollerReservedConcurrencyKey = "pollerReservedConcurrency";
    public const string LogLevelKey = "logLevel";

    /// <summary>The functions' application log levels Lambda can filter by that keep the metric lines (which carry no level: Lambda files them as INFO).</summary>
    public static readonly IReadOnlyList<string> LogLevels = ["TRACE", "DEBUG", "INFO"];

    // Lambda allows 4 KB for all of a function's environment variables together; the rest leaves room for the others.
    private const int MaxPolicyJsonBytesInEnvironment = 3500;

    // An advanced SSM parameter holds 8 KB; the policy is escaped inside the parameter's JSON, beside the other fields.
    private const int MaxPolicyJsonBytesInParameter = 6000;

    /// <summary>Whether the policy goes in the functions' environment; otherwise in a layer's file (<see cref="FunctionEnvironment.PolicyFile"/>).</summary>
    public bool PolicyFitsEnvironment => System.Text.Encoding.UTF8.GetByteCount(PolicyJson) <= MaxPolicyJsonBytesInEnvironment;

    /// <summary>Whether the deployment parameter can carry the policy for the CLI; otherwise the CLI is given it with --policy-file.</summary>
    public bool PolicyFitsParameter => System.Text.Encoding.UTF8.GetByteCount(PolicyJson) <= MaxPolicyJsonBytesInParameter;

    /// <summary>Source regions, the home region when none is configured (its own AMIs are then the only ones replicated).</summary>
    public IReadOnlyList<string> SourceRegions => Policy.SourceRegions.Count > 0 ? Policy.SourceRegions : [HomeRegion];

    public IReadOnlyList<string> DestinationRegions => [.. Policy.Destinations.Select(d => d.Region)];

    /// <summary>Regions other than home that need a stack forwarding their AMI events to the home region's bus.</summary>
    public IReadOnlyList<string> ForwardingRegions =>
        [.. SourceRegions.Concat(DestinationRegions).Where(r => r != HomeRegion).Distinct().Order(StringComparer.Ordinal)];

    /// <summary>Where the functions publish their metrics and the alarms read them: one namespace per deployment.</summary>
    public string MetricsNamespace => ReplicatorMetrics.NamespaceOf(StackPrefix);

    /// <summary>The deployment's name, which its copies carry (so side-by-side deployments keep to their own copies): the prefix, or "default".</summary>
    public string Deployment => StackPrefix ?? ProvenanceTags.DefaultDeployment;

    /// <summary>The regions of the target accounts' copies: where the spoke stack forwards events (union of every target's regions).</summary>
    public IReadOnlyList<string> TargetRegions => [.. Policy.Targets.SelectMany(t => t.Regions).Distinct().Order(StringComparer.Ordinal)];

    /// <summary>The spoke roles' names, one role each in every target account (the policy's roleName per target, default "AmiReplicatorSpoke").</summary>
    public IReadOnlyList<string> SpokeRoleNames => [.. Policy.Targets.Select(t => t.RoleName).Distinct().Order(StringComparer.Ordinal)];

    /// <summary>
    /// The one region of a target account whose spoke stack creates the roles (IAM is global; the rules are regional): the home region
    /// when the targets copy there, else the first of the targets' regions.
    /// </summary>
    public string SpokeRoleRegion => TargetRegions.Contains(HomeRegion) ? HomeRegion : TargetRegions[0];

    /// <summary>The home account, which the spoke roles trust; <see cref="Read"/> requires it in the context when the policy has targets.</summary>
    public string HomeAccount => Account ?? throw new InvalidOperationException("the deployment has no account");

    /// <summary>The alarm topic given for <paramref name="region"/>, or null when the stack there creates its own.</summary>
    public string? AlarmTopicArnIn(string region) => AlarmTopicArns.FirstOrDefault(a => a.Split(':')[3] == region);

    /// <summary>
    /// What deploys but may not do what the configuration says: <c>cdk synth</c> prints these and goes on.
    /// </summary>
    public IReadOnlyList<string> Warnings()
    {
        var warnings = new List<string>();
        // EC2 sends an AMI's events to its owner's bus only: other accounts' AMIs reach the replicator by the sweep and requests.
        var otherOwners = Policy.Selection.OwnerAccounts.Where(o => o != Selection.Self && o != Account).ToList();
        if (otherOwners.Count > 0 && Policy.SweepInterval is null)
        {
            warnings.Add($"{PolicyKey}.selection.ownerAccounts names {string.Join(", ", otherOwners)} and {PolicyKey}.sweepIntervalMinutes is 0: "
                + "EC2 sends AMI events only to the account that owns the AMI, so with no sweep AMIs of other accounts are replicated only "
                + "when a copy request names them (README: AMIs of other accounts)");
        }

        warnings.AddRange(BudgetWarnings());
        // The source region is never a destination: a source whose only destination is itself has its AMIs copied nowhere.
        var copiedInto = Policy.Destinations.Select(d => d.Region).Concat(Policy.Targets.SelectMany(t => t.Regions)).ToHashSet(StringComparer.Ordinal);
        foreach (var source in SourceRegions.Where(s => copiedInto.SetEquals([s])))
        {
            warnings.Add($"{PolicyKey}.sourceRegions names {source}, and {source} is its only destination: a source region is never a destination "
                + "of its own AMIs, so they are copied nowhere; add another destination or remove the source region");
        }

        return warnings;
    }

    /// <summary>
    /// EC2's documented limit of concurrent AMI copies into one destination region (time-based copies included), shared with every other
    /// copy in the account (/work/shared/DOMAIN.md, "Concurrency limits"): a budget above it never fills, EC2 refuses first.
    /// </summary>
    public const int Ec2ConcurrentCopiesPerDestination = 300;

    private IEnumerable<string> BudgetWarnings()
    {
        var budgets = Policy.Destinations.Select(d => (Field: $"{PolicyKey}.destinations ({d.Region})", d.Budget))
            .Concat(Policy.Targets.Select((t, i) => (Field: $"{PolicyKey}.targets[{i}]", t.Budget)));
        foreach (var (field, budget) in budgets)
        {
            if (budget.MaxInFlight > Ec2ConcurrentCopiesPerDestination)
            {
                yield return $"{field} allows {budget.MaxInFlight} copies in flight (maxInFlight): EC2 documents at most "
                    + $"{Ec2ConcurrentCopiesPerDestination} concurrent AMI copies per destination region, shared with every other copy in the "
                    + "account, so the copies above it meet ResourceLimitExceeded and the destination backs off instead";
            }

            if (budget.MaxInFlightPerSource > budget.MaxInFlight)
            {
                yield return $"{field} allows {budget.MaxInFlightPerSource} copies in flight from one source region (maxInFlightPerSource), "
                    + $"more than its {budget.MaxInFlight} in all (maxInFlight): the per-source budget never binds";
            }
        }
    }

    /// <param name="context">A context value by key (app.Node.TryGetContext), null when absent.</param>
    /// <param name="environment">An environment variable by name, for CDK_DEFAULT_REGION and CDK_DEFAULT_ACCOUNT.</param>
    public static DeploymentSettings Read(Func<string, object?> context, Func<string, string?> environment)
    {
        var homeRegion = Text(context(HomeRegionKey)) ?? environment("CDK_DEFAULT_REGION")
            ?? throw new ConfigurationException(HomeRegionKey, "not set: put \"homeRegion\" in the cdk.json context (or set CDK_DEFAULT_REGION)");
        if (!AwsRegions.Known.Contains(homeRegion))
        {
            throw new ConfigurationException(HomeRegionKey, $"'{homeRegion}' is not a known AWS region");
        }

        var contextAccount = Text(context(AccountKey));
        var account = contextAccount ?? environment("CDK_DEFAULT_ACCOUNT");
        if (account is not null && !AccountIdPattern().IsMatch(account))
        {
            throw new ConfigurationException(AccountKey, $"'{account}' is not a 12-digit AWS account id");
        }

        var (policy, policyJson) = ReadPolicy(context(PolicyKey));
        // Not CDK_DEFAULT_ACCOUNT: the spoke stack is deployed with a target account's credentials, which make that the target's.
        if (policy.Targets.Count > 0 && contextAccount is null)
        {
            throw new ConfigurationException(AccountKey,
                $"not set, and {PolicyKey}.targets names target accounts: the spoke roles there trust the home account's functions, so name the home account in the cdk.json context");
        }

        var prefix = Text(context(StackPrefixKey));
        if (prefix is not null && !StackPrefixPattern().IsMatch(prefix))
        {
            throw new ConfigurationException(StackPrefixKey,
                $"'{prefix}' is not a stack-name prefix: a letter, then up to 31 letters, digits or hyphens, not ending in a hyphen (e.g. \"staging\")");
        }

        if (string.Equals(prefix, ProvenanceTags.DefaultDeployment, StringComparison.OrdinalIgnoreCase))
        {
            throw new ConfigurationException(StackPrefixKey,
                $"'{prefix}' names the deployment without a prefix, whose copies are tagged '{ProvenanceTags.DefaultDeployment}': leave stackPrefix out, or pick another name");
        }

        if (context("alarmTopicArn") is not null)
        {
            throw new ConfigurationException("alarmTopicArn", $"is now \"{AlarmTopicArnsKey}\": a list of SNS topic ARNs, at most one per region");
        }

        var email = Text(context(AlarmEmailKey));
        if (email is not null && !EmailPattern().IsMatch(email))
        {
            throw new ConfigurationException(AlarmEmailKey, $"'{email}' is not an e-mail address");
        }

        return new DeploymentSettings(homeRegion, account, policy, policyJson, prefix, ReadTopics(context(AlarmTopicArnsKey)), email,
            ReadReservedConcurrency(context(PollerReservedConcurrencyKey)), ReadLogLevel(context(LogLevelKey)),
            SpokeSettings.Read(context(SpokeSettings.Key), policy.Targets.Count > 0,
                [.. policy.DeclaredTargets.SelectMany(t => t.OrganizationalUnits).Distinct(StringComparer.Ordinal)]));
    }

    private static (ReplicationPolicy Policy, string Json) ReadPolicy(object? value)
    {
        if (value is null)
        {
            throw new ConfigurationException(PolicyKey, "not set: the replication policy belongs in the cdk.json context under \"amiReplicator\"");
        }

        var json = value as string ?? ContextJson.Serialize(value);
        ReplicationPolicy policy;
        try
        {
            policy = ReplicationPolicy.Parse(json);
        }
        catch (PolicyException e)
        {
            throw new ConfigurationException(e.Field == "policy" ? PolicyKey : $"{PolicyKey}.{e.Field}", e.Problem);
        }

        // The functions get the document as written (validated above), compact: where it fits, it shares Lambda's 4 KB environment.
        var document = JsonSerializer.Deserialize(json, PolicyJsonContext.Default.PolicyDocument) ?? throw new ConfigurationException(PolicyKey, "is null");
        return (policy, JsonSerializer.Serialize(document, CompactPolicyJson.PolicyDocument));
    }

    private static List<string> ReadTopics(object? value)
    {
        var topics = value switch
        {
            null => [],
            // On the command line (-c alarmTopicArns='["arn:..."]') the list arrives as JSON text.
            string s when s.TrimStart().StartsWith('[') => ReadJsonList(s),
            string s => [s],
            System.Collections.IEnumerable items => items.Cast<object?>().Select(i => Text(i) ?? "").ToList(),
            _ => [Convert.ToString(value, CultureInfo.InvariantCulture) ?? ""],
        };
        for (var i = 0; i < topics.Count; i++)
        {
            var field = $"{AlarmTopicArnsKey}[{i}]";
            if (!SnsTopicArnPattern().IsMatch(topics[i]))
            {
                throw new ConfigurationException(field, $"'{topics[i]}' is not an SNS topic ARN");
            }

            var region = topics[i].Split(':')[3];
            if (!AwsRegions.Known.Contains(region))
            {
                throw new ConfigurationException(field, $"'{region}' is not a known AWS region");
            }

            if (topics.Take(i).Any(t => t.Split(':')[3] == region))
            {
                throw new ConfigurationException(field, $"a second topic in {region}: the alarms of a region notify one topic");
            }
        }

        return topics;
    }

    private static List<string> ReadJsonList(string json)
    {
        try
        {
            return JsonSerializer.Deserialize<List<string>>(json) ?? [];
        }
        catch (JsonException e)
        {
            throw new ConfigurationException(AlarmTopicArnsKey, $"not a JSON list of ARNs ({e.Message})");
        }
    }

    private static int? ReadReservedConcurrency(object? value)
    {
        // On the command line (-c pollerReservedConcurrency=1) the number arrives as text.
        if (value is string text && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed))
        {
            value = parsed;
        }

        if (value is null)
        {
            // None by default: new accounts have a concurrency limit of 10, and Lambda refuses any reservation there.
            return null;
        }

        if (value is double d && double.IsInteger(d) && d >= 0 && d <= 1000)
        {
            return d == 0 ? null : (int)d;
        }

        throw new ConfigurationException(PollerReservedConcurrencyKey,
            $"'{Convert.ToString(value, CultureInfo.InvariantCulture)}' is not a whole number from 0 (no reservation, the default) to 1000");
    }

    private static string ReadLogLevel(object? value)
    {
        var level = Text(value)?.ToUpperInvariant() ?? "INFO";
        if (LogLevels.Contains(level))
        {
            return level;
        }

        throw new ConfigurationException(LogLevelKey, level is "WARN" or "ERROR" or "FATAL"
            ? $"'{level}' would make Lambda drop the metric lines (they carry no level, so Lambda files them as INFO): the alarms would see nothing; use {string.Join(", ", LogLevels)}"
            : $"'{level}' is not one of {string.Join(", ", LogLevels)}");
    }

    private static string? Text(object? value) => value switch
    {
        null => null,
        string s when string.IsNullOrWhiteSpace(s) => null,
        string s => s,
        _ => Convert.ToString(value, CultureInfo.InvariantCulture),
    };

    private static readonly PolicyJsonContext CompactPolicyJson =
        new(new JsonSerializerOptions(PolicyJsonContext.Default.Options) { WriteIndented = false });

    [GeneratedRegex("^\\d{12}$")]
    private static partial Regex AccountIdPattern();

    [GeneratedRegex("^arn:aws[a-z-]*:sns:[a-z0-9-]+:\\d{12}:[A-Za-z0-9_-]{1,256}$")]
    private static partial Regex SnsTopicArnPattern();

    [GeneratedRegex("^[A-Za-z]([A-Za-z0-9-]{0,30}[A-Za-z0-9])?$")]
    private static partial Regex StackPrefixPattern();

    [GeneratedRegex("^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$")]
    private static partial Regex EmailPattern();
}
