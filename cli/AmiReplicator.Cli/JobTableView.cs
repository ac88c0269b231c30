using System.Globalization;
using AmiReplicator.Domain.Jobs;

namespace AmiReplicator.Cli;

/// <summary>Jobs and counters as aligned text, one line each.</summary>
internal static class JobTableView
{
    public static void WriteJobs(TextWriter output, IReadOnlyList<CopyJob> jobs)
    {
        string[] header = ["SOURCE", "DESTINATION", "STATE", "TARGET", "ATTEMPT", "CREATED", "UPDATED", "LAST ERROR"];
        var rows = jobs.Select(j => new[]
        {
            $"{j.Key.SourceRegion}/{j.Key.SourceImageId}",
            j.Key.DestinationRegion,
            j.State.ToString().ToUpperInvariant(),
            j.TargetImageId ?? "-",
            j.Attempt.ToString(CultureInfo.InvariantCulture),
            Time(j.CreatedAt),
            Time(j.UpdatedAt),
            j.LastError ?? "",
        }).ToList();
        Write(output, header, rows);
        output.WriteLine($"{jobs.Count} jobs: {string.Join(", ", jobs.GroupBy(j => j.State).Select(g => $"{g.Count()} {g.Key.ToString().ToUpperInvariant()}"))}");
    }

    public static void WriteCounters(TextWriter output, IReadOnlyList<SlotCounter> counters) =>
        Write(output, ["COUNTER", "IN FLIGHT", "HOLDERS"],
            counters.Select(c => new[] { c.Scope.ToString(), c.InFlight.ToString(CultureInfo.InvariantCulture), string.Join(" ", c.Holders.Select(h => h.ToString()).Order(StringComparer.Ordinal)) }).ToList());

    private static void Write(TextWriter output, string[] header, List<string[]> rows)
    {
        var widths = header.Select((h, i) => rows.Select(r => r[i].Length).Append(h.Length).Max()).ToArray();
        foreach (var row in rows.Prepend(header))
        {
            output.WriteLine(string.Join("  ", row.Select((cell, i) => i == row.Length - 1 ? cell : cell.PadRight(widths[i]))).TrimEnd());
        }
    }

    private static string Time(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);
}
