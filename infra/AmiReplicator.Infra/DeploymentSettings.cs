using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using AmiReplicator.Domain.Policy;

namespace AmiReplicator.Infra;

/// <summary>Everything the app reads from cdk.json context (and the CDK environment), validated before any construct is made.</summary>
public sealed partial record DeploymentSettings(
    string HomeRegion,
    string? Account,
    ReplicationPolicy Policy,
    string PolicyJson,
    string? AlarmTopicArn,
    int? PollerReservedConcurrency)
{
    public const string PolicyKey = "amiReplicator";
    public const string HomeRegionKey = "homeRegion";
    public const string AccountKey = "account";
    public const string AlarmTopicArnKey = "alarmTopicArn";
    public const string PollerReservedConcurrencyKey = "pollerReservedConcurrency";

    // Lambda allows 4 KB for all of a function's environment variables together; the rest leaves room for the others.
    private const int MaxPolicyJsonBytes = 3500;

    /// <summary>Source regions, the home region when none is configured (its own AMIs are then the only ones replicated).</summary>
    public IReadOnlyList<string> SourceRegions => Policy.SourceRegions.Count > 0 ? Policy.SourceRegions : [HomeRegion];

    public IReadOnlyList<string> DestinationRegions => [.. Policy.Destinations.Select(d => d.Region)];

    /// <summary>Regions other than home that need a stack forwarding their AMI events to the home region's bus.</summary>
    public IReadOnlyList<string> ForwardingRegions =>
        [.. SourceRegions.Concat(DestinationRegions).Where(r => r != HomeRegion).Distinct().Order(StringComparer.Ordinal)];

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

        var account = Text(context(AccountKey)) ?? environment("CDK_DEFAULT_ACCOUNT");
        if (account is not null && !AccountIdPattern().IsMatch(account))
        {
            throw new ConfigurationException(AccountKey, $"'{account}' is not a 12-digit AWS account id");
        }

        var (policy, policyJson) = ReadPolicy(context(PolicyKey));

        var alarmTopicArn = Text(context(AlarmTopicArnKey));
        if (alarmTopicArn is not null && !SnsTopicArnPattern().IsMatch(alarmTopicArn))
        {
            throw new ConfigurationException(AlarmTopicArnKey, $"'{alarmTopicArn}' is not an SNS topic ARN");
        }

        return new DeploymentSettings(homeRegion, account, policy, policyJson, alarmTopicArn, ReadReservedConcurrency(context(PollerReservedConcurrencyKey)));
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

        // The functions get the document as written (validated above), compact: it shares Lambda's 4 KB environment.
        var document = JsonSerializer.Deserialize(json, PolicyJsonContext.Default.PolicyDocument)!;
        var compact = JsonSerializer.Serialize(document, CompactPolicyJson.PolicyDocument);
        var bytes = System.Text.Encoding.UTF8.GetByteCount(compact);
        if (bytes > MaxPolicyJsonBytes)
        {
            throw new ConfigurationException(PolicyKey,
                $"the policy takes {bytes} bytes as JSON, more than the {MaxPolicyJsonBytes} that fit in the functions' environment (Lambda allows 4 KB in all)");
        }

        return (policy, compact);
    }

    private static int? ReadReservedConcurrency(object? value)
    {
        if (value is null)
        {
            return 1;
        }

        if (value is double d && double.IsInteger(d) && d >= 0 && d <= 1000)
        {
            // 0 turns the reservation off, for accounts whose concurrency limit leaves nothing to reserve.
            return d == 0 ? null : (int)d;
        }

        throw new ConfigurationException(PollerReservedConcurrencyKey,
            $"'{Convert.ToString(value, CultureInfo.InvariantCulture)}' is not a whole number from 0 (no reservation) to 1000");
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
}
