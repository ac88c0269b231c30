using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using AmiReplicator.Domain.Jobs;
using DevLab.JmesPath;

namespace AmiReplicator.Cli;

/// <summary>
/// The document a command prints for scripts: `--output json` (one JSON document, camelCase field names, states in upper case as the
/// table stores them), `--output text` (tab-separated, as the AWS CLI prints), either after `--query` (JMESPath) when given.
/// </summary>
internal static class CliJson
{
    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    private static readonly JsonSerializerOptions LineOptions = new(Options) { WriteIndented = false };

    public static void Write<T>(ParseResult parse, TextWriter output, T value) => Print(parse, output, value, Options);

    /// <summary>One document on one line (JSON Lines; text: its lines), for a command that prints one after another.</summary>
    public static void WriteLine<T>(ParseResult parse, TextWriter output, T value)
    {
        Print(parse, output, value, LineOptions);
        output.Flush();
    }

    /// <summary>Checks <c>--query</c> before the command does anything: a bad expression is a usage error, not a failure after the work.</summary>
    public static void CheckQuery(ParseResult parse)
    {
        if (parse.GetValue(GlobalOptions.Query) is { } query)
        {
            Apply(query, new JsonObject());
        }
    }

    private static void Print<T>(ParseResult parse, TextWriter output, T value, JsonSerializerOptions options)
    {
        var document = JsonSerializer.SerializeToNode(value, options);
        if (parse.GetValue(GlobalOptions.Query) is { } query)
        {
            document = Apply(query, document);
        }

        if (parse.GetValue(GlobalOptions.Output) == "text")
        {
            TextOutput.Write(output, document);
        }
        else
        {
            output.WriteLine(document?.ToJsonString(options) ?? "null");
        }
    }

    private static JsonNode? Apply(string query, JsonNode? document)
    {
        string result;
        try
        {
            result = new JmesPath().Transform(document?.ToJsonString() ?? "null", query);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The parser's messages name its own types and states, not the expression's mistake: say which input is wrong.
            throw new CliException(ExitCodes.Usage, $"--query: '{query}' is not a JMESPath expression this document can be queried with");
        }

        return JsonNode.Parse(result);
    }
}

/// <summary>
/// `--output text`, as the AWS CLI prints: a scalar on its own line, a list of scalars on one line, an object's scalars on one line
/// (in the document's order), each list or object inside it on lines of their own, each prefixed with its field's name in upper case;
/// values separated by tabs, null as None.
/// </summary>
internal static class TextOutput
{
    public static void Write(TextWriter output, JsonNode? node) => Write(output, node, null);

    private static void Write(TextWriter output, JsonNode? node, string? prefix)
    {
        switch (node)
        {
            case JsonArray { Count: 0 }:
                // As the AWS CLI: an empty list prints nothing.
                break;
            case JsonArray array when array.All(IsScalar):
                Line(output, prefix, array.Select(Scalar));
                break;
            case JsonArray array:
                foreach (var item in array)
                {
                    Write(output, item, prefix);
                }

                break;
            case JsonObject obj:
                var scalars = obj.Where(p => IsScalar(p.Value)).Select(p => Scalar(p.Value)).ToList();
                if (scalars.Count > 0)
                {
                    Line(output, prefix, scalars);
                }

                foreach (var (name, value) in obj.Where(p => !IsScalar(p.Value)))
                {
                    Write(output, value, name.ToUpperInvariant());
                }

                break;
            default:
                Line(output, prefix, [Scalar(node)]);
                break;
        }
    }

    private static void Line(TextWriter output, string? prefix, IEnumerable<string> values) =>
        output.WriteLine(string.Join('\t', prefix is null ? values : values.Prepend(prefix)));

    private static bool IsScalar(JsonNode? node) => node is null or JsonValue;

    private static string Scalar(JsonNode? node) => node switch
    {
        null => "None",
        JsonValue value when value.GetValueKind() == JsonValueKind.String => JsonSerializer.Deserialize<string>(value.ToJsonString()) ?? "",
        JsonValue value when value.GetValueKind() == JsonValueKind.True => "True",
        JsonValue value when value.GetValueKind() == JsonValueKind.False => "False",
        _ => node.ToJsonString(),
    };
}

/// <summary>
/// A copy job as the CLI prints it in JSON (<see cref="DestinationAccount"/> null: the home account's; <see cref="Shared"/>: a target in share
/// mode, given the home account's copy <see cref="TargetImageId"/>).
/// </summary>
internal sealed record JobView(
    string SourceRegion,
    string SourceImageId,
    string DestinationRegion,
    string? DestinationAccount,
    string State,
    int Attempt,
    string? TargetImageId,
    bool Shared,
    string Name,
    string RequestedBy,
    string? Reason,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    DateTimeOffset? WaitingSince,
    DateTimeOffset? NotBefore,
    DateTimeOffset? ClaimedAt,
    DateTimeOffset? CopyStartedAt,
    DateTimeOffset? CompletedAt,
    string? LastError,
    string? FailureCode,
    IReadOnlyList<string> Notes)
{
    public static JobView Of(CopyJob job) => new(
        job.Key.SourceRegion, job.Key.SourceImageId, job.Key.DestinationRegion, job.Key.DestinationAccount, StateName(job.State), job.Attempt, job.TargetImageId, job.SharedHomeCopy, job.Name,
        job.RequestedBy, job.Reason, job.CreatedAt, job.UpdatedAt, job.State == CopyJobState.Waiting ? job.WaitingSinceOrCreated : null, job.NotBefore,
        job.ClaimedAt, job.CopyStartedAt, job.CompletedAt, job.LastError, job.FailureCode, job.Notes);

    public static string StateName(CopyJobState state) => state.ToString().ToUpperInvariant();
}
