using System.Globalization;
using AmiReplicator.Domain.Jobs;
using AmiReplicator.Domain.Slots;

namespace AmiReplicator.Cli;

/// <summary>Jobs and counters as aligned text, one line each; a target account's destination as account/region.</summary>
internal static class JobTableView
{
    public static void WriteJobs(TextWriter output, IReadOnlyList<CopyJob> jobs)
    {
        string[] header = ["SOURCE", "DESTINATION", "STATE", "TARGET", "ATTEMPT", "CREATED", "UPDATED", "LAST ERROR"];
        var rows = jobs.Select(j => new[]
        {
            $"{j.Key.SourceRegion}/{j.Key.SourceImageId}",
            j.Key.Destination.ToString(),
            JobView.StateName(j.State),
            Target(j) ?? "-",
            j.Attempt.ToString(CultureInfo.InvariantCulture),
            Time(j.CreatedAt),
            Time(j.UpdatedAt),
            j.FailureCode is { } code ? $"{code}: {j.LastError}" : j.LastError ?? "",
        }).ToList();
        Write(output, header, rows);
        output.WriteLine($"{jobs.Count} jobs: {string.Join(", ", jobs.GroupBy(j => j.State).Select(g => $"{g.Count()} {JobView.StateName(g.Key)}"))}");
    }

    /// <summary>Each job in full: every time it recorded, its attempts, its target, notes and last error.</summary>
    public static void WriteDetails(TextWriter output, IReadOnlyList<CopyJob> jobs)
    {
        foreach (var job in jobs)
        {
            output.WriteLine($"{job.Key.SourceRegion}/{job.Key.SourceImageId} -> {job.Key.Destination}: {JobView.StateName(job.State)}");
            void Line(string label, string? value)
            {
                if (value is not null)
                {
                    output.WriteLine($"  {label,-16}{value}");
                }
            }

            Line("name", job.Name);
            Line("attempt", job.Attempt.ToString(CultureInfo.InvariantCulture));
            Line("wave", job.Wave is { } wave ? (wave + 1).ToString(CultureInfo.InvariantCulture) + (job.Held ? " (held: the wave has not started)" : "") : null);
            Line("target", Target(job));
            Line("requested by", job.RequestedBy + (job.Reason is null ? "" : $" ({job.Reason})"));
            Line("created", Time(job.CreatedAt));
            Line("waiting since", job.State == CopyJobState.Waiting ? Time(job.WaitingSinceOrCreated) : null);
            Line("not before", job.NotBefore is { } notBefore ? Time(notBefore) : null);
            Line("claimed", job.ClaimedAt is { } claimed ? Time(claimed) : null);
            Line("copy started", job.CopyStartedAt is { } started ? Time(started) : null);
            Line("completed", job.CompletedAt is { } completed ? Time(completed) : null);
            Line("updated", Time(job.UpdatedAt));
            Line("failure code", job.FailureCode);
            Line("last error", job.LastError);
            foreach (var note in job.Notes)
            {
                Line("note", note);
            }
        }
    }

    /// <summary>The job's image; a target in share mode names the home account's copy it was given, marked as shared.</summary>
    private static string? Target(CopyJob job) => job.SharedHomeCopy ? $"{job.TargetImageId} (shared)" : job.TargetImageId;

    public static void Write(TextWriter output, string[] header, List<string[]> rows)
    {
        var widths = header.Select((h, i) => rows.Select(r => r[i].Length).Append(h.Length).Max()).ToArray();
        foreach (var row in rows.Prepend(header))
        {
            output.WriteLine(string.Join("  ", row.Select((cell, i) => i == row.Length - 1 ? cell : cell.PadRight(widths[i]))).TrimEnd());
        }
    }

    public static string Time(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);
}
