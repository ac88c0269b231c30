using Amazon.DynamoDBv2.Model;
using AmiReplicator.Domain.Images;

namespace AmiReplicator.Resilience.Tests.Faults;

/// <summary>
/// Random faults around every port call, from a seeded generator: a worker crash (before or after the call), a DynamoDB error
/// (before: the request failed; after: it was applied but the answer was lost), an EC2 error the SDK gave up on (transient only:
/// before, or after a call that took effect), and delays that shuffle how concurrent workers interleave.
/// </summary>
public sealed class Chaos(int seed, ChaosRates rates) : IFaultInjector
{
    private readonly Lock _gate = new();
    private readonly Random _random = new(seed);
    private int _crashes;
    private int _storeErrors;
    private int _gatewayErrors;

    /// <summary>Off: every call goes through untouched (the recovery phase).</summary>
    public bool Enabled { get; set; } = true;

    public int Crashes => _crashes;
    public int StoreErrors => _storeErrors;
    public int GatewayErrors => _gatewayErrors;

    public async Task<T> AroundAsync<T>(string port, string method, string detail, Func<Task<T>> call)
    {
        if (!Enabled)
        {
            return await call();
        }

        var (before, after, delay) = Decide(port);
        await DelayAsync(delay);
        Strike(before, port, method, Phase.Before);
        var result = await call();
        await DelayAsync(delay / 2);
        Strike(after, port, method, Phase.After);
        return result;
    }

    /// <summary>A number in [0, max), from the seeded generator (also used for the scenario's own random choices).</summary>
    public int Next(int max)
    {
        lock (_gate)
        {
            return _random.Next(max);
        }
    }

    public bool Percent(int percent) => Next(100) < percent;

    private (Fault Before, Fault After, int DelayMilliseconds) Decide(string port)
    {
        lock (_gate)
        {
            var errorPercent = port == FaultyJobStore.Port ? rates.StoreErrorPercent : rates.GatewayErrorPercent;
            Fault Pick() => _random.Next(100) switch
            {
                var r when r < rates.CrashPercent => Fault.Crash,
                var r when r < rates.CrashPercent + errorPercent => Fault.Error,
                _ => Fault.None,
            };

            var before = Pick();
            var after = before == Fault.None ? Pick() : Fault.None;
            var delay = _random.Next(100) < rates.DelayPercent ? _random.Next(1, 4) : 0;
            return (before, after, delay);
        }
    }

    private static async Task DelayAsync(int milliseconds)
    {
        if (milliseconds > 0)
        {
            await Task.Delay(milliseconds);
        }
        else
        {
            await Task.Yield();
        }
    }

    private void Strike(Fault fault, string port, string method, Phase phase)
    {
        switch (fault)
        {
            case Fault.Crash:
                Interlocked.Increment(ref _crashes);
                throw new SimulatedCrash($"worker crashed {phase.ToString().ToLowerInvariant()} {port}.{method}");
            case Fault.Error when port == FaultyJobStore.Port:
                Interlocked.Increment(ref _storeErrors);
                throw new InternalServerErrorException($"simulated DynamoDB error {phase.ToString().ToLowerInvariant()} {method}");
            case Fault.Error:
                Interlocked.Increment(ref _gatewayErrors);
                throw new ImageServiceException(Ec2ErrorKind.Transient, "RequestLimitExceeded", $"simulated: the SDK's retries ran out {phase.ToString().ToLowerInvariant()} {method}");
        }
    }

    private enum Fault
    {
        None,
        Crash,
        Error,
    }
}
