using System.CommandLine;
using System.Reflection;
using Amazon.DynamoDBv2.Model;
using Amazon.Runtime;
using QueueDoesNotExistException = Amazon.SQS.Model.QueueDoesNotExistException;

namespace AmiReplicator.Cli;

/// <summary>`amirepl`: the commands, the global options, and how errors become exit codes.</summary>
internal static class AmireplCli
{
    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        var root = new RootCommand("amirepl: see and steer AmiReplicator's copies (jobs per source AMI and destination region, budgets, the request queue).")
        {
            StatusCommand.Create(output),
            ListCommands.List(output),
            ListCommands.Show(output),
            WatchCommand.Create(output),
            RequestCommands.Replicate(output),
            BackfillCommand.Create(output),
            RequestCommands.Retry(output),
            CancelCommand.Create(output),
            PruneCommand.Create(output),
            DeadLetterCommands.Create(output),
            UpgradeTableCommand.Create(output),
            TargetsCommands.Create(output),
            DistributionCommands.Wait(output),
            DistributionCommands.Rollout(output),
        };
        CliHelp.Examples(root,
            "amirepl status --region us-east-1",
            "amirepl list --state FAILED --output text --query 'jobs[].[sourceImageId,destinationRegion,lastError]'",
            "amirepl dlq list",
            "amirepl --version");
        // The version of amirepl, not of whatever process hosts it (the entry assembly, which the parser's own --version prints).
        root.Options.OfType<VersionOption>().Single().Action = new PrintVersion();
        foreach (var option in GlobalOptions.All)
        {
            root.Options.Add(option);
        }

        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var parseError in parse.Errors)
            {
                // One line per error, as every other error has (the parser puts the values it accepts on lines of their own).
                await error.WriteLineAsync($"amirepl: {CliHelp.Plain(string.Join(' ', parseError.Message.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)))}");
            }

            await error.WriteLineAsync("Run 'amirepl --help' (or 'amirepl COMMAND --help') for usage.");
            return ExitCodes.Usage;
        }

        try
        {
            CliJson.CheckQuery(parse);
            return await parse.InvokeAsync(new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false }, cancellationToken);
        }
        catch (Exception e) when (Explain(e) is var (code, message))
        {
            await error.WriteLineAsync($"amirepl: {message}");
            return code;
        }
    }

    /// <summary>The exit code and a sentence for what went wrong.</summary>
    private static (int Code, string Message) Explain(Exception e) => e switch
    {
        CliException cli => (cli.ExitCode, cli.Message),
        ResourceNotFoundException notFound => (ExitCodes.NotFound, $"the job table was not found ({notFound.Message}): check --region and --table"),
        QueueDoesNotExistException noQueue => (ExitCodes.NotFound, $"the request queue was not found ({noQueue.Message}): check --region and --queue-url"),
        // EC2 answers AuthFailure for credentials it cannot validate (as the other services answer UnrecognizedClientException).
        AmazonServiceException { ErrorCode: "UnrecognizedClientException" or "InvalidClientTokenId" or "AuthFailure" or "ExpiredToken" or "ExpiredTokenException" or "InvalidSignatureException" or "SignatureDoesNotMatch" } denied =>
            (ExitCodes.Credentials, $"AWS refused the credentials: {denied.ErrorCode}: {denied.Message}"),
        AmazonServiceException { ErrorCode: "AccessDeniedException" or "AccessDenied" or "UnauthorizedOperation" } denied =>
            (ExitCodes.Credentials, $"access denied: {denied.Message}"),
        AmazonServiceException service => (ExitCodes.Error, $"{service.ErrorCode}: {service.Message}"),
        AmazonClientException client when client.Message.Contains("credentials", StringComparison.OrdinalIgnoreCase) =>
            (ExitCodes.Credentials, $"no AWS credentials: {client.Message} (pass --profile, or set AWS_PROFILE or AWS_ACCESS_KEY_ID)"),
        AmazonClientException client => (ExitCodes.Error, client.Message),
        HttpRequestException http => (ExitCodes.Error, $"could not reach AWS: {http.Message}"),
        OperationCanceledException => (ExitCodes.Error, "interrupted"),
        // The EC2 adapter wraps what AWS answered (ImageServiceException): that answer says what went wrong, e.g. access denied.
        { InnerException: { } cause and (AmazonServiceException or AmazonClientException or HttpRequestException) } => Explain(cause),
        // What no case above explains is still said in one line, and without .NET's names for it.
        _ => (ExitCodes.Error, $"unexpected error: {e.Message}"),
    };
}

/// <summary>`--version`: amirepl's version, as its package has it.</summary>
internal sealed class PrintVersion : System.CommandLine.Invocation.SynchronousCommandLineAction
{
    public static string Version => typeof(AmireplCli).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "unknown";

    public override int Invoke(ParseResult parseResult)
    {
        parseResult.InvocationConfiguration.Output.WriteLine(Version);
        return ExitCodes.Done;
    }
}
