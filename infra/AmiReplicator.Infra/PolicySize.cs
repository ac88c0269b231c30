using System.Globalization;
using System.Text.Json.Nodes;
using Amazon.CDK;
using Amazon.CDK.AWS.IAM;

namespace AmiReplicator.Infra;

/// <summary>
/// IAM's limit on a role's inline policies (all of them together, whitespace not counted), checked at synth: a deployment that
/// would exceed it fails <c>cdk synth</c> with the statements that take the room, instead of failing half-way through a deploy.
/// </summary>
internal static class PolicySize
{
    public const int MaxInlinePolicyCharacters = 10_240;

    // Values CloudFormation fills in at deploy time, at their longest, so the estimate never comes out short.
    private const string LongestPartition = "aws-us-gov";
    private const string AccountId = "123456789012";
    private const int GeneratedNameSuffix = 14;
    private const int ArnPrefix = 64;

    /// <summary>The characters IAM would count for the inline policies of <paramref name="role"/> (its AWS::IAM::Policy resources), by statement.</summary>
    public static IReadOnlyList<(string Statement, int Characters)> Measure(IRole role)
    {
        var stack = Stack.Of(role);
        var roleRef = JsonNode.Parse(ContextJson.Serialize(stack.Resolve(role.RoleName)))?.ToJsonString();
        var statements = new List<(string, int)>();
        foreach (var policy in stack.Node.FindAll().OfType<CfnPolicy>())
        {
            var roles = JsonNode.Parse(ContextJson.Serialize(stack.Resolve(policy.Roles ?? [])));
            if (roles is not JsonArray attached || !attached.Any(r => r?.ToJsonString() == roleRef))
            {
                continue;
            }

            var document = Resolve(stack, stack.Resolve(policy.PolicyDocument))?.AsObject() ?? throw new InvalidOperationException($"{policy.Node.Path} has no policy document");
            // The document's frame ({"Version":"2012-10-17","Statement":[]}) and the commas between statements count too.
            var statementList = (document["Statement"] as JsonArray ?? []).OfType<JsonNode>().ToList();
            statements.Add(("(policy frame)", document.ToJsonString().Length - statementList.Sum(s => s.ToJsonString().Length)));
            statements.AddRange(statementList.Select((s, i) => (Describe(s, i), s.ToJsonString().Length)));
        }

        return statements;
    }

    /// <summary>Fails the synth, naming what takes the room, when <paramref name="role"/>'s inline policies would not fit.</summary>
    public static void Check(IRole role, string function, string field)
    {
        var statements = Measure(role);
        var total = statements.Sum(s => s.Characters);
        if (total <= MaxInlinePolicyCharacters)
        {
            return;
        }

        var largest = string.Join(", ", statements.OrderByDescending(s => s.Characters).Take(3).Select(s => $"{s.Statement} {s.Characters}"));
        throw new ConfigurationException(field,
            $"the {function}'s IAM policies would take about {total.ToString("N0", CultureInfo.InvariantCulture)} characters, more than the "
            + $"{MaxInlinePolicyCharacters.ToString("N0", CultureInfo.InvariantCulture)} IAM allows a role's inline policies; the largest statements: {largest}. "
            + "Each destination with its own kmsKeyId adds its key ARN twice: use fewer keys (an alias shared by the regions, or the default EBS key), "
            + "or split the destinations over two deployments (stackPrefix)");
    }

    private static string Describe(JsonNode statement, int index) =>
        statement["Sid"] is { } sid ? Text(sid) : $"statement {index + 1} ({string.Join(" ", Many(statement["Action"]))})";

    /// <summary>A string of the synthesized template (its shape is CloudFormation's; anything else is a bug here).</summary>
    private static string Text(JsonNode? node) => node?.GetValue<string>() ?? throw new InvalidOperationException("expected a string in the synthesized policy");

    private static IEnumerable<string> Many(JsonNode? node) => node switch
    {
        JsonArray array => array.Select(Text),
        null => [],
        _ => [Text(node)],
    };

    /// <summary>The resolved template fragment with every intrinsic replaced by the longest value it could take.</summary>
    private static JsonNode? Resolve(Stack stack, object resolved) => Substitute(stack, JsonNode.Parse(ContextJson.Serialize(resolved)));

    private static JsonNode? Substitute(Stack stack, JsonNode? node) => node switch
    {
        JsonObject o when o.Count == 1 && o["Ref"] is { } name => JsonValue.Create(RefValue(stack, Text(name))),
        JsonObject o when o.Count == 1 && o["Fn::GetAtt"] is JsonArray att => JsonValue.Create(
            new string('x', ArnPrefix + stack.StackName.Length + Text(att[0]).Length + GeneratedNameSuffix)),
        JsonObject o when o.Count == 1 && o["Fn::Join"] is JsonArray join => JsonValue.Create(string.Join(
            Text(join[0]), (join[1] as JsonArray ?? []).Select(p => Text(Substitute(stack, p?.DeepClone()))))),
        JsonObject o => new JsonObject(o.Select(p => KeyValuePair.Create(p.Key, Substitute(stack, p.Value?.DeepClone())))),
        JsonArray a => new JsonArray([.. a.Select(n => Substitute(stack, n?.DeepClone()))]),
        _ => node?.DeepClone(),
    };

    private static string RefValue(Stack stack, string name) => name switch
    {
        "AWS::Partition" => LongestPartition,
        "AWS::AccountId" => AccountId,
        "AWS::Region" => stack.Region,
        "AWS::URLSuffix" => "amazonaws.com.cn",
        // A resource's generated physical name: {stack}-{logical id}-{suffix}.
        _ => new string('x', stack.StackName.Length + name.Length + GeneratedNameSuffix),
    };
}
