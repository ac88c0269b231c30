using System.Diagnostics;
using System.Globalization;
using AmiReplicator.LocalCloud;
using AmiReplicator.TestSupport;
using CsCheck;
using Xunit.Abstractions;

namespace AmiReplicator.Resilience.Tests;

/// <summary>
/// Several dispatchers and pollers at once, with EC2 errors, DynamoDB errors, crashes, back-pressure and duplicate
/// deliveries, never run more copies than the budgets (at EC2 and on the counters), never make two copies for one job, and leak no
/// slot. Each sample is one <see cref="ConcurrencyScenario"/>; a failure prints its seed (CsCheck_Seed=... replays the scenario).
/// </summary>
[Collection(ConcurrencyCollection.Name)]
public class ConcurrencyPropertyTests(LocalCloudFixture cloud, ITestOutputHelper output)
{
    /// <summary>Scenarios per run; CsCheck_Iter raises it for a longer search.</summary>
    private static readonly long Iterations =
        long.TryParse(Environment.GetEnvironmentVariable("CsCheck_Iter"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n : 20;

    [Fact]
    public async Task Concurrent_dispatchers_and_pollers_under_faults_keep_every_invariant()
    {
        await ConcurrencyScenario.Gen.SampleAsync(
            async scenario => await RunAsync(cloud.Servers, scenario),
            writeLine: output.WriteLine,
            seed: Environment.GetEnvironmentVariable("CsCheck_Seed"),
            iter: Iterations,
            threads: 1,
            print: scenario => scenario.ToString());
    }

    private async Task RunAsync(LocalCloudServers servers, ConcurrencyScenario scenario)
    {
        var started = Stopwatch.GetTimestamp();
        await using var run = await ConcurrentReplication.StartAsync(servers, scenario);
        try
        {
            await run.RunAsync();
            await run.AssertSettledAsync();
        }
        catch (Exception e)
        {
            var logFile = Path.Combine(Path.GetTempPath(), $"amirepl-resilience-{scenario.Seed}.log");
            await File.WriteAllTextAsync(logFile, run.Log.ToString());
            output.WriteLine($"FAILED {scenario} (round {run.Rounds}, recovery minute {run.RecoveryMinutes}): {e.Message}; log in {logFile}");
            throw;
        }

        // What the run went through, so that a green run shows the paths it exercised.
        var messages = Invariants.LogMessages(run.Log.ToString());
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"ok {scenario.Seed}: {run.Rounds} rounds + {run.RecoveryMinutes} recovery minutes, {run.Chaos.Crashes} crashes, {run.Chaos.StoreErrors} DynamoDB errors, {run.Chaos.GatewayErrors} EC2 errors, {Count(messages, "Repairing ")} stale claims repaired, {Count(messages, "EC2 copy limit reached")} back-pressured, {Count(messages, "moved on by another worker")} races lost, {Stopwatch.GetElapsedTime(started).TotalSeconds:0.0} s"));
    }

    private static int Count(IEnumerable<string> messages, string text) => messages.Count(m => m.Contains(text, StringComparison.Ordinal));
}
