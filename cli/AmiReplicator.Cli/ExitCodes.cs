namespace AmiReplicator.Cli;

/// <summary>What `amirepl` exits with; scripts may rely on these (README, "Exit codes").</summary>
internal static class ExitCodes
{
    public const int Done = 0;

    /// <summary>
    /// Anything else that went wrong: an AWS error, a deployment parameter that cannot be used, a job `cancel` could not cancel
    /// (already ended, or moved by another worker).
    /// </summary>
    public const int Error = 1;

    /// <summary>The command line is wrong: unknown command or option, a bad value, an unknown region.</summary>
    public const int Usage = 2;

    /// <summary>What was asked for does not exist: the AMI or its jobs, the deployment parameter, the table or the queue.</summary>
    public const int NotFound = 3;

    /// <summary>No usable credentials, or AWS refused them (expired, access denied).</summary>
    public const int Credentials = 4;

    /// <summary>`replicate` waited and the dispatcher had not answered for every destination in time; `wait`: the distribution had not ended in time.</summary>
    public const int TimedOut = 5;

    /// <summary>`replicate`, `retry`: a request was refused (the dispatcher gave it to the DLQ with a reason, or the CLI knew it would).</summary>
    public const int Refused = 6;

    /// <summary>A bulk or destructive command was not confirmed: no --yes where nothing can ask, or the operator answered no.</summary>
    public const int NotConfirmed = 7;

    /// <summary>`wait`: the distribution ended, and some copies FAILED or were CANCELLED.</summary>
    public const int NotAllAvailable = 8;
}

/// <summary>An error the CLI explains itself, with the exit code it ends with.</summary>
internal sealed class CliException(int exitCode, string message) : Exception(message)
{
    public int ExitCode { get; } = exitCode;
}
