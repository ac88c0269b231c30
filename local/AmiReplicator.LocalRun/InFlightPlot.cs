using System.Globalization;
using ScottPlot;

namespace AmiReplicator.LocalRun;

/// <summary>
/// Copies in flight per destination over virtual time, as EC2 (the simulator) saw them: one series per destination.
/// <paramref name="Budgeted"/>: the run kept to the policy's budget (the naive baseline has none, only EC2's limit). <paramref name="Made"/>
/// and <paramref name="Refused"/>: the copies the run made, and those EC2 refused with ResourceLimitExceeded (never made by a run
/// that does not ask again), which its panel names.
/// </summary>
internal sealed record InFlightSeries(string Title, bool Budgeted, int Made, int Refused, IReadOnlyDictionary<string, IReadOnlyList<(double Minute, int InFlight)>> ByDestination)
{
    private static readonly TimeSpan Step = TimeSpan.FromSeconds(30);

    /// <summary>From each copy's start (its creation) to its end, sampled every 30 virtual seconds from the burst's start.</summary>
    public static InFlightSeries FromSimulator(string title, bool budgeted, int made, int refused, Ec2Simulator.Ec2Simulator simulator, IReadOnlyList<string> destinations,
        DateTimeOffset startedAt)
    {
        var series = new Dictionary<string, IReadOnlyList<(double, int)>>();
        foreach (var destination in destinations)
        {
            var copies = simulator.Images(destination)
                .SelectMany(i => i is { SourceImageId: not null, CompletesAt: { } end } ? [(Start: i.CreationDate, End: end)] : Array.Empty<(DateTimeOffset Start, DateTimeOffset End)>())
                .ToList();
            var end = copies.Count == 0 ? startedAt : copies.Max(c => c.End);
            var points = new List<(double, int)>();
            for (var t = startedAt; t <= end + Step; t += Step)
            {
                points.Add(((t - startedAt).TotalMinutes, copies.Count(c => c.Start <= t && t < c.End)));
            }

            series[destination] = points;
        }

        return new InFlightSeries(title, budgeted, made, refused, series);
    }

    /// <summary>The series as CSV: run, destination, minute, copies in flight.</summary>
    public IEnumerable<string> CsvLines() =>
        ByDestination.SelectMany(d => d.Value.Select(p => string.Create(CultureInfo.InvariantCulture, $"{Title},{d.Key},{p.Minute:F1},{p.InFlight}")));
}

/// <summary>
/// The runs' series, one panel per run, each against the destination budget it kept (EC2's limit for a run without one); a PNG
/// rendered by ScottPlot (SkiaSharp).
/// </summary>
internal static class InFlightPlot
{
    public static void Save(string path, IReadOnlyList<InFlightSeries> runs, int budget, int ec2Limit)
    {
        var multiplot = new Multiplot();
        multiplot.AddPlots(runs.Count);
        var lastMinute = runs.SelectMany(r => r.ByDestination.Values).SelectMany(s => s).Max(p => p.Minute);
        for (var i = 0; i < runs.Count; i++)
        {
            var plot = multiplot.GetPlot(i);
            foreach (var (destination, points) in runs[i].ByDestination)
            {
                var line = plot.Add.ScatterLine(points.Select(p => p.Minute).ToArray(), points.Select(p => (double)p.InFlight).ToArray());
                line.LegendText = destination;
                line.LineWidth = 1.5f;
            }

            var ceiling = plot.Add.HorizontalLine(runs[i].Budgeted ? budget : ec2Limit);
            ceiling.LinePattern = LinePattern.Dashed;
            ceiling.Color = Colors.Black;
            ceiling.LegendText = !runs[i].Budgeted ? $"EC2 limit ({ec2Limit}), no budget"
                : budget == ec2Limit ? $"budget = EC2 limit ({budget})" : $"budget ({budget})";
            plot.Title(string.Create(CultureInfo.InvariantCulture,
                $"{runs[i].Title}: {runs[i].Made} copies made, {runs[i].Refused} refused with ResourceLimitExceeded{(runs[i].Refused > 0 ? " and never made" : "")}"));
            plot.XLabel("virtual minutes since the burst");
            plot.YLabel("copies in flight");
            plot.Axes.SetLimits(0, lastMinute, 0, Math.Max(budget, ec2Limit) * 1.2);
            plot.ShowLegend(Alignment.UpperRight);
        }

        multiplot.SavePng(path, 1000, 360 * runs.Count);
        File.WriteAllLines(Path.ChangeExtension(path, ".csv"), ["run,destination,minute,in_flight", .. runs.SelectMany(r => r.CsvLines())]);
    }
}
