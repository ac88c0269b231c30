using AmiReplicator.Contract;
using AmiReplicator.Domain.Jobs;
using AmiReplicator.Domain.Observability;
using AmiReplicator.Domain.Policy;
using Microsoft.Extensions.Logging;

namespace AmiReplicator.Domain.Copying;

/// <summary>
/// Runs one step of one job so that its error stays with that job: the error is logged, counted
/// (<see cref="ReplicatorMetrics.JobStepErrors"/>) and recorded on the job (LastError, StepFailures), and the caller goes on with
/// the other jobs. A step that fails <see cref="TrackingOptions.MaxStepFailures"/> passes in a row is given up: the give-up ends the
/// job in a terminal state that says what could not be done, with its slots released.
/// </summary>
public sealed class JobSteps(ICopyJobStore store, ReplicationPolicy policy, TrackingOptions options, IMetrics metrics, TimeProvider clock, ILogger<JobSteps> log)
{
    /// <param name="giveUp">Ends the job (as stored) once the step has failed too often; gets the reason.</param>
    /// <param name="failed">What the step answers when it failed this pass and the failure was recorded.</param>
    public async Task<T> RunAsync<T>(CopyJob job, JobStep step, Func<Task<T>> action, Func<CopyJob, string, Task<T>> giveUp, T failed,
        CancellationToken cancellationToken)
    {
        using var scope = log.BeginJobScope(job.Key);
        try
        {
            return await action();
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return await RecordFailureAsync(job, step, e, detail: null, giveUp, failed, cancellationToken);
        }
    }

    /// <summary>
    /// Records that the step failed this pass (also for errors a step handles itself, such as a CopyImage that timed out).
    /// <paramref name="detail"/> names the part of the step that failed.
    /// </summary>
    public async Task<T> RecordFailureAsync<T>(CopyJob job, JobStep step, Exception error, string? detail,
        Func<CopyJob, string, Task<T>> giveUp, T failed, CancellationToken cancellationToken)
    {
        using var scope = log.BeginJobScope(job.Key);
        var failures = job.StepFailures + 1;
        var reason = $"{Describe(step)} failed{(detail is null ? "" : $" ({detail})")}: {error.Message}";
        log.LogError(error, "{Job}: {Step} failed ({Failures} of {Max} passes in a row)", job.Key, step, failures, options.MaxStepFailures);
        metrics.Record(ReplicatorMetrics.JobStepErrors, 1, job.Key.DestinationRegion);
        try
        {
            if (failures >= options.MaxStepFailures)
            {
                log.LogError("{Job}: giving up on {Step} after {Failures} passes: {Reason}", job.Key, step, failures, reason);
                return await giveUp(job, $"{reason} (gave up after {failures} passes)");
            }

            // A job another worker moved meanwhile keeps that worker's record: this failure belongs to a state that is gone.
            await store.TransitionAsync(job,
                job with { StepFailures = failures, LastError = reason, UpdatedAt = clock.GetUtcNow() },
                policy.BudgetFor(job.Key.Destination), cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Recording failed too (the store is in trouble): the job is as it was, and the next pass meets the step again.
            log.LogError(e, "{Job}: recording that {Step} failed did not work either", job.Key, step);
        }

        return failed;
    }

    public static string Describe(JobStep step) => step switch
    {
        JobStep.StartCopy => "starting the copy",
        JobStep.CheckCopy => "checking the copy",
        JobStep.FinishCopy => "applying launch permissions, tags and deprecation",
        JobStep.RetryCopy => "recording the failed copy",
        _ => "removing the image left behind",
    };
}
