using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using static AmiReplicator.Infra.Tests.Json;

namespace AmiReplicator.Infra.Tests;

/// <summary>
/// Evaluates a role's identity policies in a synthesized template the way IAM does for the parts the stack uses: Allow and
/// Deny statements, Action and Resource with wildcards, and the condition operators String(Not)Equals, StringLike, ArnLike,
/// Bool and Null, with the ForAnyValue/ForAllValues qualifiers and IfExists. Intrinsics are resolved to fixed values:
/// <see cref="Partition"/>, <see cref="Account"/>, and <see cref="ArnOf"/> for a resource's ARN.
/// </summary>
public sealed partial class IamPolicySimulator
{
    public const string Partition = "aws";
    public const string Account = "123456789012";

    private readonly List<JsonObject> _statements;

    public IamPolicySimulator(JsonObject template, string roleLogicalId)
    {
        _statements = [.. template["Resources"]!.AsObject()
            .Where(r => (string?)r.Value!["Type"] == "AWS::IAM::Policy"
                && Many(r.Value!["Properties"]!["Roles"]).Any(role => (string?)role!["Ref"] == roleLogicalId))
            .SelectMany(r => Many(r.Value!["Properties"]!["PolicyDocument"]!["Statement"]))
            .Select(s => Resolve(s)!.AsObject())];
        if (_statements.Count == 0)
        {
            throw new ArgumentException($"no policy is attached to {roleLogicalId}", nameof(roleLogicalId));
        }
    }

    /// <summary>What a resource's Fn::GetAtt Arn (or Ref) stands for here.</summary>
    public static string ArnOf(string logicalId) => $"arn:{Partition}:cloudformation-resource:::{logicalId}";

    /// <summary>Every action some Allow statement names (as written: no wildcard is expanded).</summary>
    public IReadOnlySet<string> AllowedActions =>
        _statements.Where(s => (string?)s["Effect"] == "Allow").SelectMany(s => Many(s["Action"]).Select(a => (string)a!)).ToHashSet(StringComparer.Ordinal);

    public bool Allows(IamRequest request) =>
        !_statements.Any(s => (string?)s["Effect"] == "Deny" && Matches(s, request))
        && _statements.Any(s => (string?)s["Effect"] == "Allow" && Matches(s, request));

    private static bool Matches(JsonObject statement, IamRequest request) =>
        Many(statement["Action"]).Any(a => Wildcard((string)a!, request.Action, ignoreCase: true))
        && Many(statement["Resource"]).Any(r => Wildcard((string)r!, request.Resource, ignoreCase: false))
        && (statement["Condition"] is not JsonObject conditions || conditions.All(c => Condition(c.Key, c.Value!.AsObject(), request.Context)));

    private static bool Condition(string op, JsonObject keys, IReadOnlyDictionary<string, string[]> context)
    {
        var ifExists = op.EndsWith("IfExists", StringComparison.Ordinal);
        var qualifier = op.Contains(':', StringComparison.Ordinal) ? op[..op.IndexOf(':', StringComparison.Ordinal)] : null;
        var baseOp = (qualifier is null ? op : op[(qualifier.Length + 1)..]).Replace("IfExists", "", StringComparison.Ordinal);
        foreach (var (key, value) in keys)
        {
            var expected = Many(value).Select(v => v!.GetValueKind() == System.Text.Json.JsonValueKind.String ? (string)v! : v.ToJsonString()).ToList();
            var actual = context.FirstOrDefault(c => string.Equals(c.Key, key, StringComparison.OrdinalIgnoreCase)).Value;
            if (baseOp == "Null")
            {
                if ((actual is null) != (expected.Single() == "true"))
                {
                    return false;
                }

                continue;
            }

            if (actual is null)
            {
                if (ifExists || qualifier == "ForAllValues")
                {
                    continue;
                }

                return false;
            }

            bool One(string a) => expected.Any(e => Compare(baseOp, e, a));
            var holds = qualifier switch
            {
                "ForAnyValue" => actual.Any(One),
                "ForAllValues" => actual.All(One),
                _ => baseOp.Contains("Not", StringComparison.Ordinal) ? actual.All(One) : actual.Any(One),
            };
            if (!holds)
            {
                return false;
            }
        }

        return true;
    }

    private static bool Compare(string op, string expected, string actual) => op switch
    {
        "StringEquals" or "ArnEquals" => expected == actual,
        "StringNotEquals" or "ArnNotEquals" => expected != actual,
        "StringEqualsIgnoreCase" => string.Equals(expected, actual, StringComparison.OrdinalIgnoreCase),
        "StringLike" or "ArnLike" => Wildcard(expected, actual, ignoreCase: false),
        "StringNotLike" or "ArnNotLike" => !Wildcard(expected, actual, ignoreCase: false),
        "Bool" => string.Equals(expected, actual, StringComparison.OrdinalIgnoreCase),
        _ => throw new NotSupportedException($"condition operator {op}"),
    };

    private static bool Wildcard(string pattern, string value, bool ignoreCase) =>
        Regex.IsMatch(value, "^" + Regex.Escape(pattern).Replace("\\*", ".*", StringComparison.Ordinal).Replace("\\?", ".", StringComparison.Ordinal) + "$",
            (ignoreCase ? RegexOptions.IgnoreCase : RegexOptions.None) | RegexOptions.Singleline, TimeSpan.FromSeconds(1));

    /// <summary>A part of the template (a statement, a trust policy) with Ref, Fn::GetAtt and Fn::Join replaced by the strings they stand for.</summary>
    public static JsonNode? Resolve(JsonNode? node) => node switch
    {
        JsonObject o when o.Count == 1 && o["Ref"] is { } name => JsonValue.Create((string)name! switch
        {
            "AWS::Partition" => Partition,
            "AWS::AccountId" => Account,
            "AWS::URLSuffix" => "amazonaws.com",
            var logicalId => ArnOf(logicalId),
        }),
        JsonObject o when o.Count == 1 && o["Fn::GetAtt"] is JsonArray att => JsonValue.Create(ArnOf((string)att[0]!)),
        JsonObject o when o.Count == 1 && o["Fn::Join"] is JsonArray join =>
            JsonValue.Create(string.Join((string)join[0]!, join[1]!.AsArray().Select(p => (string)Resolve(p)!))),
        JsonObject o => new JsonObject(o.Select(p => KeyValuePair.Create(p.Key, Resolve(p.Value)))),
        JsonArray a => new JsonArray([.. a.Select(Resolve)]),
        _ => node?.DeepClone(),
    };
}
