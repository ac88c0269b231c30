using System.Text.Json;

namespace AmiReplicator.Contract;

/// <summary>
/// What each function needs IAM to allow, read from <c>aws-permissions.json</c> (embedded in this assembly):
/// <see cref="CallsOf"/> are the calls its code makes (the local harness records them and refuses any other),
/// <see cref="LambdaNeedsOf"/> what Lambda itself does with the function's role; <see cref="SpokeCalls"/> what the functions
/// do in a target account with its spoke role's credentials. The stacks' tests assert that the synthesized policies allow
/// every entry, and nothing beyond them.
/// </summary>
public sealed class PermissionContract
{
    public const string FileName = "aws-permissions.json";

    /// <summary>The entry of the spoke role: not a function (Lambda does nothing with it), so it has calls only.</summary>
    public const string Spoke = "spoke";

    private readonly Dictionary<string, (IReadOnlySet<AwsPermission> Calls, IReadOnlySet<AwsPermission> Lambda)> _functions;

    private PermissionContract(Dictionary<string, (IReadOnlySet<AwsPermission>, IReadOnlySet<AwsPermission>)> functions, IReadOnlySet<AwsPermission> spokeCalls)
    {
        _functions = functions;
        SpokeCalls = spokeCalls;
    }

    /// <summary>The contract this build was made with.</summary>
    public static PermissionContract Current { get; } = Load();

    public IReadOnlySet<AwsPermission> CallsOf(string function) => Entry(function).Calls;

    public IReadOnlySet<AwsPermission> LambdaNeedsOf(string function) => Entry(function).Lambda;

    /// <summary>The calls the functions make in a target account with its spoke role's credentials (the scopes then name that account's resources).</summary>
    public IReadOnlySet<AwsPermission> SpokeCalls { get; }

    /// <summary>
    /// A contract from its JSON text: <c>{"dispatcher": {"calls": [...], "lambda": [...]}, "poller": {...}, "spoke": {"calls": [...]}}</c>;
    /// comments allowed.
    /// </summary>
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

        if (!document.RootElement.TryGetProperty(Spoke, out var spoke))
        {
            throw new FormatException($"{FileName}: no entry for the {Spoke} role");
        }

        return new PermissionContract(functions, Permissions(spoke, "calls", Spoke));
    }

    private static HashSet<AwsPermission> Permissions(JsonElement entry, string section, string entryName) =>
        entry.TryGetProperty(section, out var list)
            ? [.. list.EnumerateArray().Select(p => AwsPermission.Parse(p.GetString() ?? throw new FormatException($"{FileName}: {entryName}.{section} holds a non-string")))]
            : throw new FormatException($"{FileName}: {entryName} has no \"{section}\" list");

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
