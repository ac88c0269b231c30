using System.CommandLine;
using System.Globalization;

namespace AmiReplicator.Cli;

/// <summary>`amirepl watch`: the job table read again every interval and shown as a <see cref="WatchView"/> until Ctrl-C.</summary>
internal static class WatchCommand
{
    public static Command Create(TextWriter output)
    {
        var interval = new Option<double>("--interval") { Description = "Seconds between two readings of the table.", DefaultValueFactory = _ => 5 };
        var once = new Option<bool>("--once") { Description = "Read once, show it and exit (for scripts)." };
        var account = AccountFilter.CreateOption("the destinations and the jobs");
        var command = new Command("watch", "A live view until Ctrl-C: per destination the copies in flight against the budget and the jobs by state, "
            + "and each copy that starts, finishes, fails or is cancelled as it happens. Plain lines when the output is not a terminal; "
            + "with --output json one JSON document per reading, one a line. The home account's destinations per region and each target account on one line; with "
            + "--account, those accounts' destinations per region and only their jobs' news. Also the requests waiting in the request queue, the DLQ's "
            + "dead letters per reason, and each source->destination pair whose own budget holds work back while its destination has room.") { interval, once, account };
        CliHelp.Examples(command, "amirepl watch", "amirepl watch --once --output json", "amirepl watch --interval 30 > watch.log");
        command.SetAction(async (parse, cancellationToken) =>
        {
            var every = parse.GetValue(interval);
            if (every is <= 0 or > 3600 || double.IsNaN(every))
            {
                throw new CliException(ExitCodes.Usage, $"--interval: {every.ToString(CultureInfo.InvariantCulture)} is not a number of seconds above 0 and at most 3600");
            }

            var accounts = AccountFilter.Parse(parse.GetValue(account));
            await using var aws = AwsSession.From(parse);
            var deployment = await aws.DeploymentAsync(parse, cancellationToken);
            var inspection = aws.Ports(deployment).Inspection;
            var queues = await aws.QueuesAsync(parse, deployment, cancellationToken);
            var view = new WatchView(deployment.Policy, accounts.For(deployment));
            var json = GlobalOptions.Structured(parse);
            var first = true;
            async Task<bool> StepAsync()
            {
                if (!first)
                {
                    await Task.Delay(TimeSpan.FromSeconds(every), cancellationToken);
                }

                first = false;
                var events = view.Update(await inspection.ListJobsAsync(cancellationToken), await inspection.ListCountersAsync(cancellationToken), DateTimeOffset.UtcNow,
                    await queues.StateAsync(StatusCommand.ReasonsCounted, cancellationToken));
                if (json)
                {
                    CliJson.WriteLine(parse, output, new
                    {
                        readAt = view.ReadAt,
                        destinations = view.Destinations,
                        accounts = view.Accounts,
                        pairsHoldingWork = view.PairsHoldingWork,
                        queues = view.Queues,
                        events,
                    });
                }

                return !parse.GetValue(once);
            }

            try
            {
                if (json)
                {
                    while (await StepAsync())
                    {
                    }
                }
                else
                {
                    await WatchDisplay.RunAsync(output, CliConsole.CanDraw(output, parse), view, StepAsync);
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                // Ctrl-C is how a watch ends.
            }

            return ExitCodes.Done;
        });
        return command;
    }
}
