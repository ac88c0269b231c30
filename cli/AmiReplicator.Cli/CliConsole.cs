using System.CommandLine;
using Spectre.Console;

namespace AmiReplicator.Cli;

/// <summary>
/// Whether a command may draw (progress bars, live tables): only on the process's own terminal, and never with --output json,
/// whose output is one JSON document. Elsewhere (a pipe, a file, CI, a test's writer) it prints plain lines.
/// </summary>
internal static class CliConsole
{
    public static bool CanDraw(TextWriter output, ParseResult parse) => !GlobalOptions.Structured(parse) && IsTerminal(output);

    public static bool IsTerminal(TextWriter output) => ReferenceEquals(output, Console.Out) && !Console.IsOutputRedirected;

    /// <summary>The terminal as Spectre.Console draws on it.</summary>
    public static IAnsiConsole Terminal => AnsiConsole.Console;
}

/// <summary>
/// `--yes`: bulk and destructive commands ask before they act on a terminal; elsewhere (a script, a pipe, CI) nothing asks, so
/// they act only with --yes.
/// </summary>
internal static class Confirmation
{
    public static readonly Option<bool> Yes = new("--yes", "-y") { Description = "Do it without asking (needed when the input or output is not a terminal)." };

    /// <summary>Returns when the operator agreed to <paramref name="what"/> (a sentence saying what will be done); else ends the command with <see cref="ExitCodes.NotConfirmed"/>.</summary>
    public static void Require(ParseResult parse, TextWriter output, string what)
    {
        if (parse.GetValue(Yes))
        {
            return;
        }

        if (!CliConsole.IsTerminal(output) || Console.IsInputRedirected)
        {
            throw new CliException(ExitCodes.NotConfirmed, $"{what}: pass --yes to do it (nothing asks when the input or output is not a terminal)");
        }

        output.Write($"{what}. Continue? [y/N] ");
        output.Flush();
        if (Console.ReadLine()?.Trim().ToLowerInvariant() is not ("y" or "yes"))
        {
            throw new CliException(ExitCodes.NotConfirmed, $"{what}: not confirmed, nothing was done");
        }
    }
}

/// <summary>`--requested-by`: who asks, recorded on the jobs; by default the caller's AWS identity (its ARN), as CloudTrail would name it.</summary>
internal static class Requester
{
    public static readonly Option<string?> RequestedBy = new("--requested-by")
    {
        Description = "Who asks, recorded on the jobs (default: the caller's AWS identity, the ARN STS GetCallerIdentity answers).",
    };

    public static async Task<string> ResolveAsync(ParseResult parse, AwsSession aws, CancellationToken cancellationToken)
    {
        if (parse.GetValue(RequestedBy) is { } given)
        {
            return string.IsNullOrWhiteSpace(given)
                ? throw new CliException(ExitCodes.Usage, "--requested-by: empty; the dispatcher refuses a request that names no one")
                : given;
        }

        return await aws.CallerAsync(cancellationToken);
    }
}
