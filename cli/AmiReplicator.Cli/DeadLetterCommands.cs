using System.CommandLine;
using System.Globalization;

namespace AmiReplicator.Cli;

/// <summary>`amirepl dlq list` and `amirepl dlq redrive`: the request queue's dead letters, each with the reason the dispatcher gave it up.</summary>
internal static class DeadLetterCommands
{
    /// <summary>Dead letters `dlq list` reads at most.</summary>
    private const int ListedAtMost = 1000;

    public static Command Create(TextWriter output)
    {
        var command = new Command("dlq", "The request queue's DLQ: the requests and events the dispatcher gave up, each with its reason (the message "
            + "attribute FailureReason; none when SQS moved it after the queue's maxReceiveCount).") { List(output), Redrive(output) };
        CliHelp.Examples(command, "amirepl dlq list", "amirepl dlq redrive --reason 'does not exist' --yes");
        return command;
    }

    private static Command List(TextWriter output)
    {
        var reason = ReasonOption("Only dead letters whose reason contains this text.");
        var command = new Command("list", $"Each dead letter: its id, reason, when it was sent to the DLQ, the request queue's message it copies, and the original body "
            + $"(the first {ListedAtMost}; each is left in the DLQ).") { reason };
        CliHelp.Examples(command, "amirepl dlq list", "amirepl dlq list --output json --query 'deadLetters[].reason'");
        command.SetAction(async (parse, cancellationToken) =>
        {
            await using var aws = AwsSession.From(parse);
            var deployment = await aws.DeploymentAsync(parse, cancellationToken);
            var queues = await aws.QueuesAsync(parse, deployment, cancellationToken);
            var letters = (await queues.PeekAsync(ListedAtMost, cancellationToken)).Where(Matching(parse.GetValue(reason))).OrderBy(l => l.SentAt).ToList();
            if (GlobalOptions.Structured(parse))
            {
                CliJson.Write(parse, output, new { deadLetterQueueUrl = queues.DeadLetterQueueUrl, deadLetters = letters });
            }
            else
            {
                JobTableView.Write(output, ["MESSAGE", "SENT", "REASON", "BODY"],
                    [.. letters.Select(l => new[] { l.MessageId, l.SentAt is { } sent ? JobTableView.Time(sent) : "-", l.Reason, l.Body.ReplaceLineEndings(" ") })]);
                output.WriteLine($"{letters.Count.ToString(CultureInfo.InvariantCulture)} dead letters in {queues.DeadLetterQueueUrl}");
            }

            return ExitCodes.Done;
        });
        return command;
    }

    private static Command Redrive(TextWriter output)
    {
        var reason = ReasonOption("Only dead letters whose reason contains this text (default: every one).");
        var command = new Command("redrive", "Send dead letters back to the request queue, body unchanged, each deleted from the DLQ only once it is sent "
            + "(a crash in between leaves it in the DLQ, and a request sent twice does nothing more than once). Asks first on a terminal; needs --yes elsewhere.")
        {
            reason, Confirmation.Yes,
        };
        CliHelp.Examples(command, "amirepl dlq redrive", "amirepl dlq redrive --reason 'is not visible' --yes");
        command.SetAction(async (parse, cancellationToken) =>
        {
            await using var aws = AwsSession.From(parse);
            var deployment = await aws.DeploymentAsync(parse, cancellationToken);
            var queues = await aws.QueuesAsync(parse, deployment, cancellationToken);
            var wanted = Matching(parse.GetValue(reason));
            var dead = await queues.CountAsync(queues.RequireDeadLetterQueueUrl(), cancellationToken);
            if (dead.Total == 0)
            {
                throw new CliException(ExitCodes.NotFound, $"no dead letter in {queues.DeadLetterQueueUrl}");
            }

            Confirmation.Require(parse, output, $"send {(parse.GetValue(reason) is { } r ? $"the dead letters whose reason contains '{r}' (of {dead.Total})" : $"{dead.Total} dead letters")} "
                + "back to the request queue");
            var redriven = await queues.RedriveAsync(wanted, cancellationToken);
            if (redriven.Count == 0)
            {
                throw new CliException(ExitCodes.NotFound, $"no dead letter whose reason contains '{parse.GetValue(reason)}'");
            }

            if (GlobalOptions.Structured(parse))
            {
                CliJson.Write(parse, output, new { redriven });
            }
            else
            {
                foreach (var letter in redriven)
                {
                    output.WriteLine($"Sent back: {letter.MessageId} ({letter.Reason})");
                }

                output.WriteLine($"{redriven.Count.ToString(CultureInfo.InvariantCulture)} dead letters sent back to {queues.QueueUrl}");
            }

            return ExitCodes.Done;
        });
        return command;
    }

    private static Option<string?> ReasonOption(string description) => new("--reason") { Description = description };

    private static Func<DeadLetter, bool> Matching(string? reason) => l => reason is null || l.Reason.Contains(reason, StringComparison.OrdinalIgnoreCase);
}
