using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using AmiReplicator.Resilience.Tests.Faults;
using CsCheck;

namespace AmiReplicator.Resilience.Tests;

/// <summary>
/// One generated run: AMIs from two source regions to two or three destinations with budgets of 1-3, several dispatchers and pollers
/// at once for a number of rounds with random faults, then a recovery. <see cref="Seed"/> drives every random choice made while it runs.
/// </summary>
public sealed record ConcurrencyScenario(
    int Seed,
    IReadOnlyList<string> AmiSources,
    IReadOnlyList<DestinationBudget> Destinations,
    int Dispatchers,
    int Pollers,
    int ChaosRounds,
    ChaosRates Rates,
    IReadOnlyList<int> FailedCopiesPerDestination,
    bool Ec2Faults,
    bool BackPressure,
    bool DuplicateDeliveries,
    bool SlowInvocations)
{
    public static readonly string[] SourceRegions = ["us-east-1", "us-west-2"];
    public static readonly string[] DestinationRegions = ["eu-west-1", "eu-central-1", "ap-southeast-2"];

    /// <summary>At most this many copies fail per destination: with 3 attempts every job still ends available.</summary>
    public const int MaxAttempts = 3;

    public static Gen<ConcurrencyScenario> Gen { get; } =
        from seed in CsCheck.Gen.Int
        from sources in CsCheck.Gen.OneOfConst(SourceRegions).Array[2, 4]
        from budgets in (from max in CsCheck.Gen.Int[1, 3]
                         from perSource in CsCheck.Gen.Int[1, max]
                         from timeBased in CsCheck.Gen.Bool
                         from throughput in CsCheck.Gen.Int[10, 35]
                         select (max, perSource, throughput: timeBased ? throughput : (int?)null)).Array[2, 3]
        from dispatchers in CsCheck.Gen.Int[2, 3]
        from pollers in CsCheck.Gen.Int[1, 3]
        from rounds in CsCheck.Gen.Int[5, 9]
        from rates in (from crash in CsCheck.Gen.Int[0, 3]
                       from store in CsCheck.Gen.Int[0, 4]
                       from gateway in CsCheck.Gen.Int[0, 4]
                       from delay in CsCheck.Gen.Int[0, 50]
                       select new ChaosRates(crash, store, gateway, delay))
        from failures in CsCheck.Gen.Int[0, MaxAttempts - 1].Array[3]
        from ec2Faults in CsCheck.Gen.Bool
        from backPressure in CsCheck.Gen.Bool
        from duplicates in CsCheck.Gen.Bool
        from slow in CsCheck.Gen.Bool
        select new ConcurrencyScenario(
            seed,
            sources,
            budgets.Select((b, i) => new DestinationBudget(DestinationRegions[i], b.max, b.perSource, b.throughput)).ToList(),
            dispatchers,
            pollers,
            rounds,
            rates,
            failures.Take(budgets.Length).ToList(),
            ec2Faults,
            backPressure,
            duplicates,
            slow);

    public string PolicyJson() => new JsonObject
    {
        ["destinations"] = new JsonArray([.. Destinations.Select(d =>
        {
            var destination = new JsonObject
            {
                ["region"] = d.Region,
                ["maxInFlight"] = d.MaxInFlight,
                ["maxInFlightPerSource"] = d.MaxInFlightPerSource,
            };
            if (d.SnapshotCopyMiBps is { } throughput)
            {
                destination["snapshotCopyCompletionDurationMinutes"] = 15;
                destination["maxSnapshotCopyMiBpsPerSource"] = throughput;
            }

            return (JsonNode)destination;
        })]),
        ["sourceRegions"] = new JsonArray([.. SourceRegions.Select(r => (JsonNode)r)]),
        ["tags"] = new JsonObject { ["copied-by"] = "ami-replicator" },
        ["retries"] = new JsonObject { ["maxAttempts"] = MaxAttempts, ["backoffSeconds"] = 60 },
    }.ToJsonString();

    public override string ToString()
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"seed {Seed}: {AmiSources.Count} AMIs from [{string.Join(", ", AmiSources)}] to ");
        text.Append(string.Join(", ", Destinations.Select((d, i) => string.Create(CultureInfo.InvariantCulture,
            $"{d.Region} (budget {d.MaxInFlight}, per source {d.MaxInFlightPerSource}{(d.SnapshotCopyMiBps is { } t ? $", time-based within {t} MiB/s per source" : "")}, {FailedCopiesPerDestination[i]} failed copies)"))));
        text.Append(CultureInfo.InvariantCulture, $"; {Dispatchers} dispatchers and {Pollers} pollers for {ChaosRounds} rounds; ");
        text.Append(CultureInfo.InvariantCulture, $"crash {Rates.CrashPercent}%, DynamoDB errors {Rates.StoreErrorPercent}%, EC2 errors {Rates.GatewayErrorPercent}%, delays {Rates.DelayPercent}%; ");
        text.Append(CultureInfo.InvariantCulture, $"EC2 faults {Ec2Faults}, back-pressure {BackPressure}, duplicate deliveries {DuplicateDeliveries}, slow invocations {SlowInvocations}");
        return text.ToString();
    }
}
