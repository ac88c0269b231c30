using System.Text.Json;
using System.Text.RegularExpressions;

namespace AmiReplicator.Infra;

/// <summary>
/// How the spoke stack reaches the target accounts (cdk.json context key <c>spoke</c>): deployed by hand with <c>cdk deploy</c> into
/// each account (the default), or as a service-managed StackSet of the home stack into the accounts of the organizational units.
/// </summary>
/// <param name="StackSet">The home stack deploys the spoke as a service-managed StackSet.</param>
/// <param name="OrganizationalUnitIds">
/// Where the StackSet deploys: OUs (<c>ou-...</c>) or the organization's root (<c>r-...</c>); by default the targets' organizational
/// units, whose every account is a target (so the StackSet deploys to every account of them, those joining later too).
/// </param>
/// <param name="AllAccounts">Every account of the units (and those joining them later); otherwise only the accounts the targets list.</param>
/// <param name="CallAs"><c>SELF</c> from the management account, <c>DELEGATED_ADMIN</c> from a delegated administrator account.</param>
internal sealed partial record SpokeSettings(bool StackSet, IReadOnlyList<string> OrganizationalUnitIds, bool AllAccounts, string CallAs)
{
    public const string Key = "spoke";

    public static readonly IReadOnlyList<string> CallerKinds = ["SELF", "DELEGATED_ADMIN"];

    private static readonly HashSet<string> Fields = new(StringComparer.Ordinal) { "stackSet", "organizationalUnitIds", "allAccounts", "callAs" };

    public static SpokeSettings None { get; } = new(false, [], false, "SELF");

    /// <summary>Reads the <c>spoke</c> context value (an object, or its JSON text from <c>-c spoke=...</c>); null: no StackSet.</summary>
    /// <param name="targetUnits">The organizational units the policy's targets name, each once.</param>
    public static SpokeSettings Read(object? value, bool hasTargets, IReadOnlyList<string> targetUnits)
    {
        if (value is null)
        {
            return None;
        }

        JsonElement spoke;
        try
        {
            spoke = JsonDocument.Parse(value as string ?? ContextJson.Serialize(value)).RootElement;
        }
        catch (JsonException e)
        {
            throw new ConfigurationException(Key, $"not a JSON object ({e.Message})");
        }

        if (spoke.ValueKind != JsonValueKind.Object)
        {
            throw new ConfigurationException(Key, "must be an object, e.g. {\"stackSet\": true, \"organizationalUnitIds\": [\"ou-abcd-12345678\"]}");
        }

        if (spoke.EnumerateObject().Select(p => p.Name).FirstOrDefault(name => !Fields.Contains(name)) is { } unknown)
        {
            throw new ConfigurationException($"{Key}.{unknown}", $"unknown field: the spoke takes {string.Join(", ", Fields.Order(StringComparer.Ordinal))}");
        }

        var stackSet = Flag(spoke, "stackSet");
        var units = Units(spoke);
        var allAccounts = Flag(spoke, "allAccounts");
        if (stackSet && !hasTargets)
        {
            throw new ConfigurationException($"{Key}.stackSet", $"the policy ({DeploymentSettings.PolicyKey}) has no targets: there is no account to deploy the spoke to");
        }

        if (stackSet && units.Count == 0 && targetUnits.Count == 0)
        {
            throw new ConfigurationException($"{Key}.organizationalUnitIds",
                "a service-managed StackSet deploys to organizational units: name the OUs of the target accounts (ou-...) or the organization's root (r-...)");
        }

        // Accounts joining the targets' units are targets the StackSet must reach: only auto-deployment to every account of the units does
        // (INTERSECTION names accounts, and cannot name those that join later).
        if (stackSet && targetUnits.Count > 0 && units.Count > 0 && !allAccounts)
        {
            throw new ConfigurationException($"{Key}.allAccounts",
                "the targets name organizationalUnits, whose accounts only a StackSet deploying to every account of its units reaches: set allAccounts to true, "
                + "or leave organizationalUnitIds out to deploy to the targets' units");
        }

        return units.Count == 0 && stackSet
            ? new SpokeSettings(stackSet, targetUnits, AllAccounts: true, CallAsOf(spoke))
            : new SpokeSettings(stackSet, units, allAccounts, CallAsOf(spoke));
    }

    private static bool Flag(JsonElement spoke, string name) => !spoke.TryGetProperty(name, out var value) ? false : value.ValueKind switch
    {
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        // On the command line every value arrives as text.
        JsonValueKind.String when bool.TryParse(value.GetString(), out var parsed) => parsed,
        _ => throw new ConfigurationException($"{Key}.{name}", $"'{value}' is not true or false"),
    };

    private static List<string> Units(JsonElement spoke)
    {
        if (!spoke.TryGetProperty("organizationalUnitIds", out var list))
        {
            return [];
        }

        if (list.ValueKind != JsonValueKind.Array)
        {
            throw new ConfigurationException($"{Key}.organizationalUnitIds", "must be a list of OU ids (ou-...) or the root id (r-...)");
        }

        var units = list.EnumerateArray().Select(u => u.ValueKind == JsonValueKind.String ? u.GetString()! : u.ToString()).ToList();
        for (var i = 0; i < units.Count; i++)
        {
            if (!OrganizationalUnitPattern().IsMatch(units[i]))
            {
                throw new ConfigurationException($"{Key}.organizationalUnitIds[{i}]", $"'{units[i]}' is not an OU id (ou-...) or a root id (r-...)");
            }
        }

        return units;
    }

    private static string CallAsOf(JsonElement spoke)
    {
        if (!spoke.TryGetProperty("callAs", out var value))
        {
            return "SELF";
        }

        var callAs = value.ValueKind == JsonValueKind.String ? value.GetString()! : value.ToString();
        return CallerKinds.Contains(callAs) ? callAs
            : throw new ConfigurationException($"{Key}.callAs", $"'{callAs}' is not one of {string.Join(", ", CallerKinds)}");
    }

    [GeneratedRegex("^(ou-[a-z0-9]{4,32}-[a-z0-9]{8,32}|r-[a-z0-9]{4,32})$")]
    private static partial Regex OrganizationalUnitPattern();
}
