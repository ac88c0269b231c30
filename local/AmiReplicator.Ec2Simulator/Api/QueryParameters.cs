using System.Globalization;
using AmiReplicator.Ec2Simulator.Model;
using Microsoft.AspNetCore.WebUtilities;

namespace AmiReplicator.Ec2Simulator.Api;

/// <summary>
/// The form parameters of an EC2 Query request, with EC2's flattened lists: <c>Name.N</c> for values
/// and <c>Name.N.Member</c> for structures.
/// </summary>
internal sealed class QueryParameters
{
    private readonly Dictionary<string, string> _values;

    private QueryParameters(Dictionary<string, string> values) => _values = values;

    public static QueryParameters Parse(string formBody) =>
        new(QueryHelpers.ParseQuery(formBody).ToDictionary(pair => pair.Key, pair => pair.Value.ToString(), StringComparer.Ordinal));

    public string? this[string name] => _values.GetValueOrDefault(name);

    public string Required(string name) => this[name] ?? throw Ec2Errors.Missing(name);

    public bool? Bool(string name) => this[name] switch
    {
        null => null,
        var value when bool.TryParse(value, out var parsed) => parsed,
        var value => throw Ec2Errors.InvalidValue($"Invalid value '{value}' for {name}: expecting true or false."),
    };

    public int? Int(string name) => this[name] switch
    {
        null => null,
        var value when int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var parsed) => parsed,
        var value => throw Ec2Errors.InvalidValue($"Invalid value '{value}' for {name}: expecting an integer."),
    };

    /// <summary>The values of <c>prefix.1</c>, <c>prefix.2</c>, ... in index order.</summary>
    public IReadOnlyList<string> List(string prefix) =>
        _values
            .Select(pair => (Index: IndexAfter(pair.Key, prefix, out var rest), Tail: rest, pair.Value))
            .Where(entry => entry.Index >= 0 && entry.Tail.Length == 0)
            .OrderBy(entry => entry.Index)
            .Select(entry => entry.Value)
            .ToList();

    /// <summary>The structures <c>prefix.N.*</c>, each with its member names, in index order.</summary>
    public IReadOnlyList<QueryParameters> Members(string prefix) =>
        _values
            .Select(pair => (Index: IndexAfter(pair.Key, prefix, out var rest), Tail: rest, pair.Value))
            .Where(entry => entry.Index >= 0 && entry.Tail.Length > 1 && entry.Tail[0] == '.')
            .GroupBy(entry => entry.Index)
            .OrderBy(group => group.Key)
            .Select(group => new QueryParameters(group.ToDictionary(entry => entry.Tail[1..], entry => entry.Value, StringComparer.Ordinal)))
            .ToList();

    /// <summary>Whether any <c>prefix.*</c> parameter was sent (a structure that is present).</summary>
    public bool HasMembers(string prefix) =>
        _values.Keys.Any(key => key.Length > prefix.Length + 1 && key.StartsWith(prefix, StringComparison.Ordinal) && key[prefix.Length] == '.');

    /// <summary>Tag.N.Key / Tag.N.Value pairs (a missing value is an empty one, as in EC2).</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Tags(string prefix = "Tag") =>
        Members(prefix).Select(tag => KeyValuePair.Create(tag.Required("Key"), tag["Value"] ?? string.Empty)).ToList();

    /// <summary>For "prefix.12.rest" returns 12 and ".rest"; -1 when the key is not an item of the list.</summary>
    private static int IndexAfter(string key, string prefix, out string rest)
    {
        rest = string.Empty;
        if (key.Length <= prefix.Length + 1 || !key.StartsWith(prefix, StringComparison.Ordinal) || key[prefix.Length] != '.')
        {
            return -1;
        }

        var digits = key.AsSpan(prefix.Length + 1);
        var length = 0;
        while (length < digits.Length && char.IsAsciiDigit(digits[length]))
        {
            length++;
        }

        if (length == 0 || !int.TryParse(digits[..length], NumberStyles.None, CultureInfo.InvariantCulture, out var index))
        {
            return -1;
        }

        rest = digits[length..].ToString();
        return index;
    }
}
