using System.Text.Json.Serialization;
using AmiReplicator.Domain.Jobs;
using AmiReplicator.Domain.Policy;
using AmiReplicator.Domain.Slots;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace AmiReplicator.Cli;

/// <summary>
/// What `amirepl watch` (and the local run) shows, from one reading of the jobs and counters after another: per destination the
/// copies in flight against the budget and the jobs by state (as `status` has them: the home account's regions and a line per
/// target account, or the regions of the accounts <paramref name="accounts"/> names), and the jobs of those accounts that started,
/// finished, failed or were cancelled since the reading before. Drawn as a live table on a terminal, written as plain lines elsewhere.
/// </summary>
internal sealed class WatchView(ReplicationPolicy? policy, AccountFilter accounts)
{
    private const int RecentEventsShown = 12;

    private readonly Queue<WatchEvent> _recent = new();
    private readonly List<WatchEvent> _unwritten = [];
    private readonly Dictionary<string, string> _writtenLines = new(StringComparer.Ordinal);
    private Dictionary<CopyJobKey, CopyJobState>? _previous;

    public IReadOnlyList<StatusLine> Destinations { get; private set; } = [];
    public IReadOnlyList<AccountLine> Accounts { get; private set; } = [];

    /// <summary>
    /// The source->destination pairs whose own budget (maxInFlightPerSource) is what holds their waiting jobs back: full, while
    /// their destination has room.
    /// </summary>
    public IReadOnlyList<StatusLine> PairsHoldingWork { get; private set; } = [];

    /// <summary>The request queue and its DLQ at the last reading (null: not read, as in the local run).</summary>
    public QueueState? Queues { get; private set; }

    public DateTimeOffset ReadAt { get; private set; }

    /// <summary>Takes a new reading; answers the events since the last one (none for the first: what happened before is not news).</summary>
    public IReadOnlyList<WatchEvent> Update(IReadOnlyList<CopyJob> jobs, IReadOnlyList<SlotCounter> counters, DateTimeOffset now, QueueState? queues = null)
    {
        var lines = StatusCommand.Lines(JobCensus.Of(jobs), counters, policy, accounts, now);
        (Destinations, Accounts, Queues) = (lines.Destinations, lines.Accounts, queues);
        var destinations = lines.Destinations.ToDictionary(l => l.Destination);
        PairsHoldingWork = [.. lines.Pairs.Where(p => p is { Waiting: > 0, Budget: { } budget } && p.InFlight >= budget
            && (!destinations.TryGetValue(p.Destination, out var d) || d.Budget is not { } all || d.InFlight < all))];
        ReadAt = now;
        var events = new List<WatchEvent>();
        if (_previous is not null)
        {
            foreach (var job in jobs.Where(j => accounts.Covers(j.Key.Destination)).OrderBy(j => j.UpdatedAt))
            {
                var known = _previous.TryGetValue(job.Key, out var before);
                if ((!known || before != job.State) && Describe(job) is { } what)
                {
                    events.Add(new WatchEvent(job.UpdatedAt, job.Key.SourceRegion, job.Key.SourceImageId, job.Key.DestinationRegion, job.Key.DestinationAccount,
                        JobView.StateName(job.State), what));
                }
            }
        }

        _previous = jobs.ToDictionary(j => j.Key, j => j.State);
        foreach (var e in events)
        {
            _recent.Enqueue(e);
            if (_recent.Count > RecentEventsShown)
            {
                _recent.Dequeue();
            }
        }

        _unwritten.AddRange(events);
        return events;
    }

    /// <summary>The news of a job that moved: a copy started, finished, failed or was cancelled (waiting and claiming are not news).</summary>
    private static string? Describe(CopyJob job) => job.State switch
    {
        CopyJobState.Copying => $"copy started: {job.TargetImageId}",
        CopyJobState.Available => $"copy finished: {job.TargetImageId}"
            + (job is { CopyStartedAt: { } started, CompletedAt: { } completed } ? $" after {StatusCommand.Age((long)(completed - started).TotalSeconds)}" : ""),
        CopyJobState.Failed => $"failed ({job.FailureCode ?? "no code"}): {job.LastError}",
        CopyJobState.Cancelled => $"cancelled: {job.LastError}",
        _ => null,
    };

    /// <summary>Plain lines: the events not written yet, then each destination whose line changed since it was last written.</summary>
    public void WriteChanges(TextWriter output)
    {
        foreach (var e in _unwritten)
        {
            output.WriteLine($"{JobTableView.Time(e.Time)}  {e.Job}  {e.State}  {e.What}");
        }

        _unwritten.Clear();
        var texts = Lines.Select(line => (line.Label, Text: $"{line.Label}: in flight {InFlight(line)}, waiting {line.Waiting}, copying {line.Copying + line.Claimed}, "
                + $"available {line.Available}, failed {line.Failed}, cancelled {line.Cancelled}"))
            .Concat(PairsHoldingWork.Select(HoldingWork).Select(text => (Label: text, Text: text)))
            .Concat((Queues?.Lines() ?? []).Select((text, i) => (Label: $"queue {i}", Text: text)));
        foreach (var (label, text) in texts)
        {
            if (_writtenLines.GetValueOrDefault(label) != text)
            {
                output.WriteLine(text);
                _writtenLines[label] = text;
            }
        }

        output.Flush();
    }

    /// <summary>A pair whose own budget holds its work back, in words.</summary>
    private static string HoldingWork(StatusLine pair) =>
        $"{((IStatusCounts)pair).Label}: pair budget full ({StatusCommand.InFlight(pair)} in flight, maxInFlightPerSource), {pair.Waiting} waiting while the destination has room";

    /// <summary>The live view: the destinations' table (a bar of the budget in use) and the latest events.</summary>
    public IRenderable Render()
    {
        var table = new Table().Border(TableBorder.Rounded).Title($"AmiReplicator at {JobTableView.Time(ReadAt)} UTC");
        foreach (var column in new[] { "Destination", "In flight / budget", "Waiting", "Copying", "Available", "Failed", "Cancelled", "Oldest waiting" })
        {
            table.AddColumn(column);
        }

        foreach (var line in Lines)
        {
            table.AddRow(
                new Text(line.Label),
                new Markup($"{Bar(line)} {Markup.Escape(InFlight(line))}"),
                new Text(StatusCommand.Number(line.Waiting)),
                new Text(StatusCommand.Number(line.Copying + line.Claimed)),
                new Markup($"[green]{line.Available}[/]"),
                new Markup(line.Failed > 0 ? $"[red]{line.Failed}[/]" : "0"),
                new Text(StatusCommand.Number(line.Cancelled)),
                new Text(line.OldestWaitingAgeSeconds is { } age ? StatusCommand.Age(age) : "-"));
        }

        foreach (var pair in PairsHoldingWork)
        {
            table.AddRow(new Text($"  {((IStatusCounts)pair).Label}"), new Markup($"[yellow]{Markup.Escape(StatusCommand.InFlight(pair))} pair budget full[/]"),
                new Text(StatusCommand.Number(pair.Waiting)), new Text(""), new Text(""), new Text(""), new Text(""),
                new Text(pair.OldestWaitingAgeSeconds is { } age ? StatusCommand.Age(age) : "-"));
        }

        if (Queues is { } queues)
        {
            table.Caption(string.Join(Environment.NewLine, queues.Lines().Select(Markup.Escape)));
        }

        var events = new Table().Border(TableBorder.Simple).Title("Latest").AddColumn("Time").AddColumn("Job").AddColumn("State").AddColumn("What");
        foreach (var e in _recent.Reverse())
        {
            var colour = e.State switch { "FAILED" => "red", "CANCELLED" => "yellow", "AVAILABLE" => "green", _ => "default" };
            events.AddRow(new Text(JobTableView.Time(e.Time)), new Text(e.Job),
                new Markup($"[{colour}]{e.State}[/]"), new Text(e.What));
        }

        return new Rows(table, events);
    }

    /// <summary>The destinations' lines, then the target accounts'.</summary>
    private IEnumerable<IStatusCounts> Lines => Destinations.Concat<IStatusCounts>(Accounts);

    private static string InFlight(IStatusCounts line) => StatusCommand.InFlight(line) + (line.BackOff is null ? "" : " backing off");

    private static string Bar(IStatusCounts line)
    {
        const int width = 20;
        var used = line.Budget is > 0 and var budget ? (int)Math.Round(width * Math.Min(1.0, line.InFlight / (double)budget)) : 0;
        return $"[blue]{new string('█', used)}[/][grey]{new string('░', width - used)}[/]";
    }
}

/// <summary>A job that moved since the reading before: when, which, its new state, and what that means.</summary>
internal sealed record WatchEvent(DateTimeOffset Time, string SourceRegion, string SourceImageId, string DestinationRegion, string? DestinationAccount, string State,
    string What)
{
    /// <summary>The job, as a person reads it: source -> destination (account/region for a target account's).</summary>
    [JsonIgnore]
    public string Job => $"{SourceRegion}/{SourceImageId} -> {new CopyDestination(DestinationRegion, DestinationAccount)}";
}

/// <summary>Shows a <see cref="WatchView"/> after each step: live on a terminal, as plain lines elsewhere.</summary>
internal static class WatchDisplay
{
    /// <summary>Runs <paramref name="step"/> (one reading of the view) until it answers false, showing the view after each.</summary>
    public static async Task RunAsync(TextWriter output, bool draw, WatchView view, Func<Task<bool>> step)
    {
        var more = await step();
        if (!draw)
        {
            view.WriteChanges(output);
            while (more)
            {
                more = await step();
                view.WriteChanges(output);
            }

            return;
        }

        await CliConsole.Terminal.Live(view.Render()).StartAsync(async live =>
        {
            while (more)
            {
                more = await step();
                live.UpdateTarget(view.Render());
            }
        });
    }
}
