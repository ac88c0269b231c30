using System.Text.Json.Nodes;

namespace AmiReplicator.Infra.Tests;

/// <summary>Small builders for the property bags that Amazon.CDK.Assertions matches, and readers for template JSON.</summary>
internal static class Json
{
    public static Dictionary<string, object> Obj(params (string Key, object Value)[] properties) =>
        properties.ToDictionary(p => p.Key, p => p.Value);

    public static Dictionary<string, object> Ref(string logicalId) => Obj(("Ref", logicalId));

    public static Dictionary<string, object> GetAtt(string logicalId, string attribute) => Obj(("Fn::GetAtt", new object[] { logicalId, attribute }));

    /// <summary>A value that may be one item or an array of them, as IAM writes Action and Resource.</summary>
    public static IReadOnlyList<JsonNode> Many(JsonNode? node) => node switch
    {
        null => [],
        JsonArray array => [.. array.Select(n => n!)],
        _ => [node],
    };

    /// <summary>Every statement of every IAM policy document in the template (identity policies and resource policies).</summary>
    public static IEnumerable<JsonObject> Statements(JsonObject template) =>
        template["Resources"]!.AsObject()
            .Select(r => r.Value!["Properties"]?["PolicyDocument"]?["Statement"])
            .SelectMany(Many)
            .Select(s => s.AsObject());

    public static IEnumerable<JsonObject> PolicyStatements(JsonObject template, string logicalId) =>
        Many(template["Resources"]![logicalId]!["Properties"]!["PolicyDocument"]!["Statement"]).Select(s => s.AsObject());

    public static IEnumerable<string> Actions(JsonObject statement) => Many(statement["Action"]).Select(a => (string)a!);
}
