using System.CommandLine;
using AmiReplicator.Domain.Images;
using AmiReplicator.Domain.Jobs;
using AmiReplicator.Domain.Observability;
using AmiReplicator.Domain.Workflows;
using AmiReplicator.DynamoDb;
using AmiReplicator.Ec2;
using Microsoft.Extensions.Logging.Abstractions;

namespace AmiReplicator.Cli;

/// <summary>
/// `amirepl cancel AMI`: ends the AMI's unfinished jobs CANCELLED through the domain's own end of a job (one conditional
/// transition that releases the slots, then the copy still pending deregistered with its snapshots), as the poller ends one.
/// </summary>
internal static class CancelCommand
{
    private const int AttemptsPerJob = 3;

    public static Command Create(TextWriter output)
    {
        var image = new Argument<string>("source-ami") { Description = "The source AMI whose copies to stop (ami-...)." };
        var to = new Option<string[]>("--to") { Description = "Only its jobs into these destinations (repeatable)." };
        var requestedBy = new Option<string>("--requested-by") { Description = "Who cancels (recorded in the jobs' LastError).", DefaultValueFactory = _ => Environment.UserName };
        var reason = new Option<string?>("--reason") { Description = "Why (recorded in the jobs' LastError)." };
        var command = new Command("cancel", "Cancel a source AMI's unfinished jobs: waiting ones without an EC2 call; copies in flight are deregistered "
            + "with their snapshots (how a pending copy is stopped) and their slots released. Each job ends CANCELLED.") { image, to, requestedBy, reason };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var imageId = parse.GetRequiredValue(image);
            var destinations = ListCommands.Regions(parse.GetValue(to), "--to");
            using var aws = AwsSession.From(parse);
            var deployment = await aws.DeploymentAsync(parse, cancellationToken);
            var policy = deployment.RequirePolicy("cancel");
            var jobs = (await new CopyJobInspection(aws.DynamoDb, deployment.TableName).ListJobsAsync(cancellationToken))
                .Where(j => j.Key.SourceImageId == imageId && (destinations.Count == 0 || destinations.Contains(j.Key.DestinationRegion)))
                .ToList();
            if (jobs.Count == 0)
            {
                throw new CliException(ExitCodes.NotFound, $"no copy job for {imageId}{(destinations.Count == 0 ? "" : $" into {string.Join(", ", destinations)}")}");
            }

            var store = new DynamoCopyJobStore(aws.DynamoDb, deployment.TableName, NullLogger<DynamoCopyJobStore>.Instance);
            var images = new Ec2ImageGateway(aws.Ec2);
            var options = new PollerOptions();
            var clock = TimeProvider.System;
            var steps = new JobSteps(store, policy, options, NoMetrics.Instance, clock, NullLogger<JobSteps>.Instance);
            var finisher = new CopyFinisher(store, images, aws.Kms, policy, options, steps, clock, NullLogger<CopyFinisher>.Instance);
            var why = $"cancelled by {parse.GetValue(requestedBy)}{(parse.GetValue(reason) is { } r ? $": {r}" : "")}";

            var results = new List<CancelResult>();
            foreach (var job in jobs)
            {
                results.Add(await CancelAsync(job, store, images, finisher, why, cancellationToken));
            }

            if (GlobalOptions.Json(parse))
            {
                CliJson.Write(output, new { sourceImageId = imageId, jobs = results });
            }
            else
            {
                JobTableView.Write(output, ["SOURCE", "DESTINATION", "WAS", "NOW", "DEREGISTERED", "PROBLEM"],
                    [.. results.Select(c => new[] { $"{c.SourceRegion}/{c.SourceImageId}", c.DestinationRegion, c.PreviousState, c.State, c.DeregisteredImageId ?? "-", c.Problem ?? "" })]);
            }

            var notCancelled = results.Count(c => c.Problem is not null);
            return notCancelled == 0
                ? ExitCodes.Done
                : throw new CliException(ExitCodes.Error, $"{notCancelled} of {results.Count} jobs of {imageId} could not be cancelled: see each one's problem");
        });
        return command;
    }

    private static async Task<CancelResult> CancelAsync(CopyJob job, DynamoCopyJobStore store, IImageGateway images, CopyFinisher finisher, string why,
        CancellationToken cancellationToken)
    {
        var previous = job.State;
        for (var attempt = 0; attempt < AttemptsPerJob && !job.State.IsTerminal(); attempt++)
        {
            // A copy EC2 has started is stopped by deregistering it; a claim may have started one that no record names yet.
            var pending = job.TargetImageId ?? (job.State == CopyJobState.Claimed ? await StartedCopyAsync(job, images, cancellationToken) : null);
            var outcome = await finisher.EndAsync(pending is null ? job : job with { ImageToRemove = pending }, CopyJobState.Cancelled, why, cancellationToken);
            var stored = await store.GetAsync(job.Key, cancellationToken);
            if (outcome == CopyOutcome.Cancelled && stored is not null)
            {
                return Result(previous, stored, stored.ImageToRemove is null ? pending : null,
                    stored.ImageToRemove is { } left ? $"{left} is not deregistered yet ({stored.LastError}); the poller's cleanup tries again" : null);
            }

            // Another worker moved the job meanwhile: look again.
            job = stored ?? job;
        }

        return Result(previous, job, null, job.State.IsTerminal()
            ? (previous.IsTerminal() ? $"already {JobView.StateName(job.State)}: nothing to cancel" : $"ended {JobView.StateName(job.State)} by another worker meanwhile")
            : $"another worker kept moving the job; not cancelled after {AttemptsPerJob} tries");
    }

    /// <summary>The copy a claimed job's CopyImage may have started: the account's image with the job's name, if it is the replicator's copy of this source.</summary>
    private static async Task<string?> StartedCopyAsync(CopyJob job, IImageGateway images, CancellationToken cancellationToken) =>
        await images.FindOwnImageByNameAsync(job.Key.DestinationRegion, job.Name, cancellationToken) is { } image
            && image.Tags.TryGetValue(ProvenanceTags.SourceImageId, out var source) && source == job.Key.SourceImageId
            && image.State is not ImageState.Deregistered
            ? image.ImageId
            : null;

    private static CancelResult Result(CopyJobState previous, CopyJob job, string? deregistered, string? problem) => new(
        job.Key.SourceRegion, job.Key.SourceImageId, job.Key.DestinationRegion, JobView.StateName(previous), JobView.StateName(job.State), deregistered, problem);
}

/// <summary>What `cancel` did to one job.</summary>
internal sealed record CancelResult(
    string SourceRegion,
    string SourceImageId,
    string DestinationRegion,
    string PreviousState,
    string State,
    string? DeregisteredImageId,
    string? Problem);
