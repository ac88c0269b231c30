using System.Text.Json;

namespace AmiReplicator.Contract;

/// <summary>
/// What each function needs IAM to allow, read from <c>aws-permissions.json</c> (embedded in this assembly):
/// <see cref="CallsOf"/> are the calls its code makes (the local harness records them and refuses any other),
/// <see cref="LambdaNeedsOf"/> what Lambda itself does with the function's role. The stack's tests assert that the
/// synthesized policies allow every entry, and nothing beyond them.
/// </summary>
public sealed class PermissionContract
{
    public const string FileName = "aws-permissions.json";

    private readonly Dictionary<string, (IReadOnlySet<AwsPermission> Calls, IReadOnlySet<AwsPermission> Lambda)> _functions;

    private PermissionContract(Dictionary<string, (IReadOnlySet<AwsPermission>, IReadOnlySet<AwsPermission>)> functions) =>
        _functions = functions;

    /// <summary>The contract this build was made with.</summary>
    public static PermissionContract Current { get; } = Load();

    public IReadOnlySet<AwsPermission> CallsOf(string function) => Entry(function).Calls;

    public IReadOnlySet<AwsPermission> LambdaNeedsOf(string function) => Entry(function).Lambda;

    /// <summary>A contract from its JSON text: <c>{"dispatcher": {"calls": [...], "lambda": [...]}, "poller": {...}}</c>; comments allowed.</summary>
    public static PermissionContract Parse(string json)
    {
        using var document = JsonDocument.Parse(json, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip });
        var functions = new Dictionary<string, (IReadOnlySet<AwsPermission>, IReadOnlySet<AwsPermission>)>(StringComparer.Ordinal);
        foreach (var function in ReplicatorFunctions.All)
        {
            if (!document.RootElement.TryGetProperty(function, out var entry))
            {
                throw new FormatException($"{FileName}: no entry for the {function}");
            }

            functions[function] = (Permissions(entry, "calls", function), Permissions(entry, "lambda", function));
        }

        return new PermissionContract(functions);
    }

    private static HashSet<AwsPermission> Permissions(JsonElement entry, string section, string function) =>
        entry.TryGetProperty(section, out var list)
            ? [.. list.EnumerateArray().Select(p => AwsPermission.Parse(p.GetString() ?? throw new FormatException($"{FileName}: {function}.{section} holds a non-string")))]
            : throw new FormatException($"{FileName}: {function} has no \"{section}\" list");

    private (IReadOnlySet<AwsPermission> Calls, IReadOnlySet<AwsPermission> Lambda) Entry(string function) =>
        _functions.TryGetValue(function, out var entry) ? entry : throw new ArgumentException($"'{function}' is not a function of the replicator", nameof(function));

    private static PermissionContract Load()
    {
        using var stream = typeof(PermissionContract).Assembly.GetManifestResourceStream(FileName)
            ?? throw new InvalidOperationException($"{FileName} is not embedded in {typeof(PermissionContract).Assembly.GetName().Name}");
        using var reader = new StreamReader(stream);
        return Parse(reader.ReadToEnd());
    }
}
