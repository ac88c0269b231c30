using System.CommandLine;
using AmiReplicator.Domain.Copying;
using AmiReplicator.Domain.Jobs;
using AmiReplicator.Messages;

namespace AmiReplicator.Cli;

/// <summary>
/// `amirepl cancel AMI`: ends the AMI's unfinished jobs CANCELLED through the domain's <see cref="CopyCanceller"/>, as exactly as the
/// replicator ends one: a waiting job at once, a copy in flight deregistered with its snapshots, and a claim whose CopyImage call may be
/// in flight kept with its slots until that call's copy is found and removed (the poller finishes it). A job that had already ended is
/// reported and makes the command exit 1.
/// </summary>
internal static class CancelCommand
{
    private const int AttemptsPerJob = 3;

    public static Command Create(TextWriter output)
    {
        var image = new Argument<string>("source-ami") { Description = "The source AMI whose copies to stop (ami-...)." };
        var to = new Option<string[]>("--to") { Description = "Only its jobs into these destinations (repeatable)." };
        var reason = new Option<string?>("--reason") { Description = "Why (recorded in the jobs' LastError)." };
        var account = AccountFilter.CreateOption("its jobs");
        var command = new Command("cancel", "Cancel a source AMI's unfinished jobs: waiting ones without an EC2 call; copies in flight are deregistered "
            + "with their snapshots (how a pending copy is stopped) and their slots released; a claim whose CopyImage call may be in flight keeps its "
            + "slots until that copy is found and removed (CANCELLING). Each job ends CANCELLED; one that had already ended makes the command exit 1.")
        {
            image, to, account, Requester.RequestedBy, reason, Confirmation.Yes,
        };
        command.Description += " Cancelling more than one job asks first on a terminal and needs --yes elsewhere.";
        CliHelp.Examples(command, "amirepl cancel ami-0123456789abcdef0 --to eu-west-1", "amirepl cancel ami-0123456789abcdef0 --reason 'bad build' --yes");
        command.SetAction(async (parse, cancellationToken) =>
        {
            var imageId = parse.GetRequiredValue(image);
            if (!InboundMessage.IsImageId(imageId))
            {
                throw new CliException(ExitCodes.Usage, $"source-ami: '{imageId}' is not an AMI id (ami- and 8 or 17 hex digits)");
            }

            var destinations = ListCommands.Regions(parse.GetValue(to), "--to");
            var accounts = AccountFilter.Parse(parse.GetValue(account));
            await using var aws = AwsSession.From(parse);
            var deployment = await aws.DeploymentAsync(parse, cancellationToken);
            var jobs = (await ListCommands.JobsOfImagesAsync(aws, deployment, [imageId], [], accounts.For(deployment), cancellationToken))
                .Where(j => destinations.Count == 0 || destinations.Contains(j.Key.DestinationRegion))
                .ToList();
            if (jobs.Count == 0)
            {
                throw new CliException(ExitCodes.NotFound,
                    $"no copy job for {imageId}{(destinations.Count == 0 ? "" : $" into {string.Join(", ", destinations)}")}{accounts.Described}");
            }

            var unfinished = jobs.Count(j => !j.State.IsTerminal());
            if (unfinished > 1)
            {
                Confirmation.Require(parse, output, $"cancel {unfinished} unfinished jobs of {imageId}");
            }

            var canceller = aws.Workflows(deployment, "cancel").Canceller;
            var why = $"cancelled by {await Requester.ResolveAsync(parse, aws, cancellationToken)}{(parse.GetValue(reason) is { } r ? $": {r}" : "")}";

            var results = new List<CancelResult>();
            foreach (var job in jobs)
            {
                results.Add(await CancelAsync(job, canceller, why, cancellationToken));
            }

            if (GlobalOptions.Structured(parse))
            {
                CliJson.Write(parse, output, new { sourceImageId = imageId, jobs = results });
            }
            else
            {
                JobTableView.Write(output, ["SOURCE", "DESTINATION", "WAS", "NOW", "DEREGISTERED", "PROBLEM"],
                    [.. results.Select(c => new[] { $"{c.SourceRegion}/{c.SourceImageId}", new CopyDestination(c.DestinationRegion, c.DestinationAccount).ToString(), c.PreviousState, c.State, c.DeregisteredImageId ?? "-", c.Problem ?? "" })]);
            }

            var notCancelled = results.Count(c => c.Problem is not null);
            return notCancelled == 0
                ? ExitCodes.Done
                : throw new CliException(ExitCodes.Error, $"{notCancelled} of {results.Count} jobs of {imageId} could not be cancelled: see each one's problem");
        });
        return command;
    }

    private static async Task<CancelResult> CancelAsync(CopyJob job, CopyCanceller canceller, string why, CancellationToken cancellationToken)
    {
        var previous = job;
        for (var attempt = 0; attempt < AttemptsPerJob; attempt++)
        {
            var outcome = await canceller.CancelAsync(job, why, cancellationToken);
            switch (outcome.Status)
            {
                case CancelStatus.Cancelled:
                    return Result(previous, outcome.Job, outcome.Job.ImageToRemove is null ? outcome.RemovedImageId : null,
                        outcome.Job.ImageToRemove is { } left ? $"{left} is not deregistered yet ({outcome.Job.LastError}); the poller's cleanup tries again" : null);
                case CancelStatus.Requested:
                    return Result(previous, outcome.Job, null, null,
                        $"CANCELLING: a CopyImage call may be in flight; the job keeps its slots until its copy is found and removed, by {JobTableView.Time(canceller.SettlesBy(outcome.Job))} at the latest");
                case CancelStatus.AlreadyEnded:
                    return Result(previous, outcome.Job, null, attempt == 0
                        ? $"already {JobView.StateName(outcome.Job.State)}: nothing to cancel"
                        : $"ended {JobView.StateName(outcome.Job.State)} by another worker meanwhile");
                default:
                    // Another worker moved the job meanwhile: look again.
                    job = outcome.Job;
                    break;
            }
        }

        return Result(previous, job, null, $"another worker kept moving the job; not cancelled after {AttemptsPerJob} tries");
    }

    private static CancelResult Result(CopyJob previous, CopyJob job, string? deregistered, string? problem, string? state = null) => new(
        job.Key.SourceRegion, job.Key.SourceImageId, job.Key.DestinationRegion, job.Key.DestinationAccount, JobView.StateName(previous.State), state ?? JobView.StateName(job.State),
        deregistered, problem);
}

/// <summary>What `cancel` did to one job.</summary>
internal sealed record CancelResult(
    string SourceRegion,
    string SourceImageId,
    string DestinationRegion,
    string? DestinationAccount,
    string PreviousState,
    string State,
    string? DeregisteredImageId,
    string? Problem);
