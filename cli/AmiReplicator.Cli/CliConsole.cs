using System.CommandLine;
using Spectre.Console;

namespace AmiReplicator.Cli;

/// <summary>
/// Whether a command may draw (progress bars, live tables): only on the process's own terminal, and never with --output json,
/// whose output is one JSON document. Elsewhere (a pipe, a file, CI, a test's writer) it prints plain lines.
/// </summary>
internal static class CliConsole
{
    public static bool CanDraw(TextWriter output, ParseResult parse) => !GlobalOptions.Json(parse) && IsTerminal(output);

    public static bool IsTerminal(TextWriter output) => ReferenceEquals(output, Console.Out) && !Console.IsOutputRedirected;

    /// <summary>The terminal as Spectre.Console draws on it.</summary>
    public static IAnsiConsole Terminal => AnsiConsole.Console;
}
