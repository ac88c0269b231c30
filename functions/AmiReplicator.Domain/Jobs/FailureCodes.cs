using AmiReplicator.Domain.Images;

namespace AmiReplicator.Domain.Jobs;

/// <summary>
/// Why a job ended FAILED, as a code a machine can group by (<see cref="CopyJob.FailureCode"/>); <see cref="CopyJob.LastError"/> keeps
/// the words. The codes are part of the table's contract: `amirepl` and dashboards filter on them, so they are never renamed.
/// </summary>
public static class FailureCodes
{
    /// <summary>The target account's spoke role could not be assumed (missing, or its trust refuses the replicator).</summary>
    public const string RoleDenied = "ROLE_DENIED";

    /// <summary>The account has not enabled the region (EC2 answers AuthFailure or OptInRequired there).</summary>
    public const string RegionNotEnabled = "REGION_NOT_ENABLED";

    /// <summary>A KMS key the copy needs cannot be used by the account that makes it (missing, disabled, or its policy refuses).</summary>
    public const string KmsDenied = "KMS_DENIED";

    /// <summary>The home account's copy could not be shared with the target account (e.g. its snapshots use the aws/ebs key).</summary>
    public const string SourceNotShared = "SOURCE_NOT_SHARED";

    /// <summary>
    /// A target in share mode may not use the home account's copy: its Allowed AMIs setting is enabled and admits no image of the home
    /// account (the reason names the setting and what to change). Nothing was shared.
    /// </summary>
    public const string ShareNotAllowed = "SHARE_NOT_ALLOWED";

    /// <summary>The home account's copy a target account copies ended without a copy.</summary>
    public const string HomeCopyFailed = "HOME_COPY_FAILED";

    /// <summary>EC2 refused the copy (CopyImage answered an error that no retry changes, or the seed's rules refuse it).</summary>
    public const string CopyRefused = "COPY_REFUSED";

    /// <summary>EC2 accepted the copy, and the copy failed on every attempt the policy allows.</summary>
    public const string CopyFailed = "COPY_FAILED";

    /// <summary>A step of the job (describing, finishing, cleaning up) failed on every pass the replicator allows.</summary>
    public const string StepFailed = "STEP_FAILED";

    /// <summary>
    /// The target account left the target's organizational units (moved out, suspended, closed, removed from the organization): its
    /// open jobs end CANCELLED with this code (nothing failed and nothing is to be retried), their copies kept.
    /// </summary>
    public const string TargetRemoved = "TARGET_REMOVED";

    /// <summary>
    /// The code for an error a target account's EC2 (through its spoke role) answered for good, or null when the error says nothing
    /// about the target itself. STS answers AccessDenied (EC2's own denial is UnauthorizedOperation); a region the account has not
    /// enabled answers AuthFailure or OptInRequired; KMS's refusals name KMS.
    /// </summary>
    public static string? OfTargetRefusal(ImageServiceException error) => error.Code switch
    {
        "AccessDenied" => RoleDenied,
        "AuthFailure" or "OptInRequired" => RegionNotEnabled,
        _ when error.Code.StartsWith("KMS", StringComparison.Ordinal) || error.Message.Contains("KMS", StringComparison.Ordinal) => KmsDenied,
        _ => null,
    };
}
