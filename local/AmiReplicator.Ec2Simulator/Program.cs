using System.Globalization;

namespace AmiReplicator.Ec2Simulator;

/// <summary>The simulator as a process, on the real clock, for the local run and manual checks.</summary>
public static class Program
{
    private const string Usage =
        "usage: AmiReplicator.Ec2Simulator [--port N] [--copy-duration-seconds S] [--visibility-delay-seconds S] [--account-id ID]";

    public static async Task<int> Main(string[] args)
    {
        var options = new Ec2SimulatorOptions { Port = 5300 };
        for (var i = 0; i < args.Length; i++)
        {
            var value = i + 1 < args.Length ? args[i + 1] : null;
            switch (args[i])
            {
                case "--port" when int.TryParse(value, CultureInfo.InvariantCulture, out var port):
                    options = options with { Port = port };
                    break;
                case "--copy-duration-seconds" when double.TryParse(value, CultureInfo.InvariantCulture, out var seconds):
                    options = options with { CopyDuration = TimeSpan.FromSeconds(seconds) };
                    break;
                case "--visibility-delay-seconds" when double.TryParse(value, CultureInfo.InvariantCulture, out var delay):
                    options = options with { DescribeVisibilityDelay = TimeSpan.FromSeconds(delay) };
                    break;
                case "--account-id" when value is not null:
                    options = options with { AccountId = value };
                    break;
                default:
                    await Console.Error.WriteLineAsync(Usage);
                    return 2;
            }

            i++;
        }

        await using var simulator = await Ec2Simulator.StartAsync(options);
        simulator.ImageStateChanged += (_, change) => Console.WriteLine(change.ToEventBridgeJson());
        Console.WriteLine($"EC2 simulator on {simulator.Endpoint} (account {simulator.AccountId}); Ctrl+C stops it.");

        var stopped = new TaskCompletionSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            stopped.TrySetResult();
        };
        AppDomain.CurrentDomain.ProcessExit += (_, _) => stopped.TrySetResult();
        await stopped.Task;
        return 0;
    }
}
