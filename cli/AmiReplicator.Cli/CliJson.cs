using System.Text.Json;
using System.Text.Json.Serialization;
using AmiReplicator.Domain.Jobs;

namespace AmiReplicator.Cli;

/// <summary>`--output json`: one JSON document per command, camelCase field names, states in upper case as the table stores them.</summary>
internal static class CliJson
{
    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    private static readonly JsonSerializerOptions LineOptions = new(Options) { WriteIndented = false };

    public static void Write<T>(TextWriter output, T value) => output.WriteLine(JsonSerializer.Serialize(value, Options));

    /// <summary>One document on one line (JSON Lines), for a command that prints one after another.</summary>
    public static void WriteLine<T>(TextWriter output, T value)
    {
        output.WriteLine(JsonSerializer.Serialize(value, LineOptions));
        output.Flush();
    }
}

/// <summary>
/// A copy job as the CLI prints it in JSON (<see cref="DestinationAccount"/> null: the home account's; <see cref="Shared"/>: a target in share
/// mode, given the home account's copy <see cref="TargetImageId"/>).
/// </summary>
internal sealed record JobView(
    string SourceRegion,
    string SourceImageId,
    string DestinationRegion,
    string? DestinationAccount,
    string State,
    int Attempt,
    string? TargetImageId,
    bool Shared,
    string Name,
    string RequestedBy,
    string? Reason,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    DateTimeOffset? WaitingSince,
    DateTimeOffset? NotBefore,
    DateTimeOffset? ClaimedAt,
    DateTimeOffset? CopyStartedAt,
    DateTimeOffset? CompletedAt,
    string? LastError,
    string? FailureCode,
    IReadOnlyList<string> Notes)
{
    public static JobView Of(CopyJob job) => new(
        job.Key.SourceRegion, job.Key.SourceImageId, job.Key.DestinationRegion, job.Key.DestinationAccount, StateName(job.State), job.Attempt, job.TargetImageId, job.SharedHomeCopy, job.Name,
        job.RequestedBy, job.Reason, job.CreatedAt, job.UpdatedAt, job.State == CopyJobState.Waiting ? job.WaitingSinceOrCreated : null, job.NotBefore,
        job.ClaimedAt, job.CopyStartedAt, job.CompletedAt, job.LastError, job.FailureCode, job.Notes);

    public static string StateName(CopyJobState state) => state.ToString().ToUpperInvariant();
}
