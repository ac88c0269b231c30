using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using AmiReplicator.Domain.Copying;
using AmiReplicator.Domain.Jobs;

namespace AmiReplicator.Cli;

/// <summary>
/// A distribution (every copy of one source AMI, home and target accounts) as a whole: `amirepl wait AMI` blocks until it has ended,
/// `amirepl rollout resume AMI` lets the waves after a failed target go, and `show` summarises it per account.
/// </summary>
internal static class DistributionCommands
{
    private static readonly Option<string?> SourceRegion = new("--source-region", "--from")
    {
        Description = "The AMI's region (default: the policy's source region when it names one, else the home region).",
    };

    public static Command Wait(TextWriter output)
    {
        var image = new Argument<string>("source-ami") { Description = "The source AMI whose copies to wait for (ami-...)." };
        var timeout = new Option<double>("--timeout") { Description = "Seconds to wait at most (exit 5 when not ended by then).", DefaultValueFactory = _ => 3600 };
        var interval = new Option<double>("--interval") { Description = "Seconds between reads of the distribution.", DefaultValueFactory = _ => 10 };
        var command = new Command("wait", "Block until every copy of a source AMI (home and target accounts) has ended. Exit 0: every copy AVAILABLE; "
            + "8: some FAILED or CANCELLED (counts by state and failure code printed); 5: not ended within --timeout; 3: no job of the AMI recorded by then.")
        {
            image, SourceRegion, timeout, interval,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var imageId = parse.GetRequiredValue(image);
            var (limit, every) = (parse.GetValue(timeout), parse.GetValue(interval));
            if (limit < 0 || every <= 0 || every > 3600)
            {
                throw new CliException(ExitCodes.Usage, "wait: --timeout must be 0 or more and --interval above 0 and at most 3600 seconds");
            }

            await using var aws = AwsSession.From(parse);
            var deployment = await aws.DeploymentAsync(parse, cancellationToken);
            var key = new DistributionId(SourceRegionOf(parse, deployment), imageId);
            var inspection = aws.Ports(deployment).Inspection;
            var clock = Stopwatch.StartNew();
            Distribution? seen;
            while (true)
            {
                seen = await inspection.GetDistributionAsync(key, cancellationToken);
                if (seen is { HasEnded: true } || clock.Elapsed.TotalSeconds >= limit)
                {
                    break;
                }

                await Task.Delay(TimeSpan.FromSeconds(Math.Min(every, Math.Max(0.01, limit - clock.Elapsed.TotalSeconds))), cancellationToken);
            }

            if (seen is null)
            {
                throw new CliException(ExitCodes.NotFound, $"no copy job of {key} was recorded within {limit:0.#} seconds (check the AMI and --source-region)");
            }

            var summary = Summary.Of(seen);
            if (GlobalOptions.Structured(parse))
            {
                CliJson.Write(parse, output, summary);
            }
            else
            {
                output.WriteLine($"{key}: {summary.Describe()}");
            }

            return !seen.HasEnded
                ? throw new CliException(ExitCodes.TimedOut, $"{key} had not ended after {limit:0.#} seconds: {seen.Open} copies still open")
                : summary.ByState.Keys.Any(s => s != "AVAILABLE")
                    ? throw new CliException(ExitCodes.NotAllAvailable, $"{key} ended with copies not made: {summary.Describe()}")
                    : ExitCodes.Done;
        });
        return command;
    }

    public static Command Rollout(TextWriter output)
    {
        var image = new Argument<string>("source-ami") { Description = "The source AMI whose rollout to resume (ami-...)." };
        var requestedBy = new Option<string>("--requested-by") { Description = "Who decides (recorded on the distribution and in the jobs' notes).", DefaultValueFactory = _ => Environment.UserName };
        var reason = new Option<string?>("--reason") { Description = "Why (recorded with who)." };
        var resume = new Command("resume", "Let the waves after a wave with failed targets go: recorded with who and why; the poller's next pass "
            + "(within a minute) starts them. Exit 1 when no wave is held by a failed target.")
        {
            image, SourceRegion, requestedBy, reason,
        };
        resume.SetAction(async (parse, cancellationToken) =>
        {
            await using var aws = AwsSession.From(parse);
            var deployment = await aws.DeploymentAsync(parse, cancellationToken);
            var key = new DistributionId(SourceRegionOf(parse, deployment), parse.GetRequiredValue(image));
            var result = await aws.Workflows(deployment, "rollout resume").Distributions
                .ResumeAsync(aws.Ports(deployment).Inspection, key, parse.GetRequiredValue(requestedBy), parse.GetValue(reason), cancellationToken);
            if (GlobalOptions.Structured(parse))
            {
                CliJson.Write(parse, output, new { sourceRegion = key.SourceRegion, sourceImageId = key.SourceImageId, status = result.Status.ToString().ToUpperInvariant(), wave = result.Wave, message = result.Message });
            }
            else
            {
                output.WriteLine($"{key}: {result.Message}");
            }

            return result.Status switch
            {
                ResumeStatus.Resumed => ExitCodes.Done,
                ResumeStatus.NotFound => throw new CliException(ExitCodes.NotFound, result.Message),
                _ => throw new CliException(ExitCodes.Error, result.Message),
            };
        });
        return new Command("rollout", "Steer a source AMI's rollout waves.") { resume };
    }

    private static string SourceRegionOf(ParseResult parse, Deployment deployment) =>
        parse.GetValue(SourceRegion) is { } region ? AwsSession.RequireKnownRegion(region, "--source-region")
        : deployment.Policy?.SourceRegions is [var only] ? only
        : deployment.HomeRegion;

    /// <summary>A distribution as `wait` and `show` print it.</summary>
    internal sealed record Summary(string SourceRegion, string SourceImageId, bool Ended, long Open, IReadOnlyDictionary<string, long> ByState,
        IReadOnlyDictionary<string, long> ByFailureCode, int? WavesStarted, string? Held)
    {
        public static Summary Of(Distribution distribution)
        {
            var completed = DistributionCompleted.Of(distribution, DateTimeOffset.UtcNow);
            return new Summary(distribution.Key.SourceRegion, distribution.Key.SourceImageId, distribution.HasEnded, distribution.Open,
                completed.ByState, completed.ByFailureCode, distribution.LastWave >= 0 ? distribution.OpenedWave + 1 : null, distribution.HeldReason);
        }

        public string Describe() =>
            (Ended ? "ended" : $"{Open} open") + ": "
            + string.Join(", ", ByState.Where(s => s.Key != DistributionTally.OpenOutcome).OrderBy(s => s.Key, StringComparer.Ordinal).Select(s => $"{s.Key} {s.Value}"))
            + (ByFailureCode.Count > 0 ? $" ({string.Join(", ", ByFailureCode.OrderBy(c => c.Key, StringComparer.Ordinal).Select(c => $"{c.Key} {c.Value}"))})" : "")
            + (WavesStarted is { } waves ? $"; waves started: {waves.ToString(CultureInfo.InvariantCulture)}" : "")
            + (Held is { } held ? $"; {held}" : "");
    }

    /// <summary>Per account (home first), its jobs by state and the failure codes of those that failed: what `show` prints before the jobs.</summary>
    public static IReadOnlyList<AccountSummary> PerAccount(IEnumerable<CopyJob> jobs) =>
        [.. jobs.GroupBy(j => j.Key.DestinationAccount ?? "home")
            .OrderBy(g => g.Key == "home" ? "" : g.Key, StringComparer.Ordinal)
            .Select(g => new AccountSummary(g.Key,
                g.GroupBy(j => JobView.StateName(j.State) + (j.Held ? " (held)" : "")).OrderBy(s => s.Key, StringComparer.Ordinal).ToDictionary(s => s.Key, s => s.Count()),
                g.Where(j => j.FailureCode is not null).GroupBy(j => j.FailureCode!).OrderBy(c => c.Key, StringComparer.Ordinal).ToDictionary(c => c.Key, c => c.Count())))];

    internal sealed record AccountSummary(string Account, IReadOnlyDictionary<string, int> ByState, IReadOnlyDictionary<string, int> ByFailureCode)
    {
        public override string ToString() =>
            $"{Account}: {string.Join(", ", ByState.Select(s => $"{s.Key} {s.Value}"))}"
            + (ByFailureCode.Count > 0 ? $" ({string.Join(", ", ByFailureCode.Select(c => $"{c.Key} {c.Value}"))})" : "");
    }
}
