using System.Collections;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace AmiReplicator.Infra;

/// <summary>Turns a CDK context value (dictionaries, lists and scalars as JSII hands them over) back into JSON.</summary>
internal static class ContextJson
{
    public static string Serialize(object value) => ToNode(value)?.ToJsonString() ?? "null";

    private static JsonNode? ToNode(object? value) => value switch
    {
        null => null,
        string s => JsonValue.Create(s),
        bool b => JsonValue.Create(b),
        // JSII hands every number over as a double; whole numbers are written without a fraction so int fields read them.
        double d when double.IsInteger(d) && Math.Abs(d) < 1e15 => JsonValue.Create((long)d),
        double d => JsonValue.Create(d),
        float or decimal or int or long or short or byte => JsonNode.Parse(((IFormattable)value).ToString(null, CultureInfo.InvariantCulture)),
        JsonElement e => JsonNode.Parse(e.GetRawText()),
        JsonNode n => n.DeepClone(),
        IDictionary dictionary => new JsonObject(dictionary.Keys.Cast<object>()
            .Select(k => KeyValuePair.Create(Convert.ToString(k, CultureInfo.InvariantCulture) ?? "", ToNode(dictionary[k])))),
        IEnumerable items => new JsonArray(items.Cast<object?>().Select(ToNode).ToArray()),
        _ => JsonValue.Create(Convert.ToString(value, CultureInfo.InvariantCulture)),
    };
}
