using System.CommandLine;
using System.Text.RegularExpressions;

namespace AmiReplicator.Cli;

/// <summary>What `--help` shows beyond the options (examples), and the parser's errors in the words of the command line.</summary>
internal static partial class CliHelp
{
    /// <summary>Adds examples to the command's description, which `--help` prints above the usage.</summary>
    public static void Examples(Command command, params string[] examples) =>
        command.Description += $"{Environment.NewLine}{Environment.NewLine}Examples:{string.Concat(examples.Select(e => $"{Environment.NewLine}  {e}"))}";

    /// <summary>A parser error without .NET's type names ("... as expected type 'System.Int32'" becomes "is not a whole number").</summary>
    public static string Plain(string message) => ExpectedType().Replace(message, m =>
        $"{m.Groups["input"].Value}: '{m.Groups["value"].Value}' is not {m.Groups["type"].Value switch
        {
            var type when type.Contains("Int", StringComparison.Ordinal) => "a whole number",
            var type when type.Contains("Double", StringComparison.Ordinal) || type.Contains("Decimal", StringComparison.Ordinal) => "a number",
            var type when type.Contains("Boolean", StringComparison.Ordinal) => "true or false",
            _ => "a value it takes",
        }}");

    [GeneratedRegex("Cannot parse argument '(?<value>[^']*)' for (?:option|command|argument) '(?<input>[^']*)' as expected type '(?<type>[^']*)'\\.?", RegexOptions.CultureInvariant)]
    private static partial Regex ExpectedType();
}
