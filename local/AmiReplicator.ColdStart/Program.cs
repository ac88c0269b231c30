using System.CommandLine;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using AmiReplicator.Domain.Jobs;
using AmiReplicator.Ec2Simulator;
using AmiReplicator.Infra;
using AmiReplicator.LocalCloud;
using AmiReplicator.LocalLambda;
using AmiReplicator.Messages;

// Cold start of the dispatcher as Lambda starts it: a fresh process of the published bootstrap, from the moment it is
// started until the fake Runtime API receives its answer to the first invocation. Every run gets a fresh deployment on the
// local cloud (its own table and EC2 simulator), so every run is a first invocation against an empty world.
var runs = new Option<int>("--runs") { Description = "Measured runs per build and path (after one warm-up run each).", DefaultValueFactory = _ => 20 };
var root = new RootCommand("Cold start benchmark: the dispatcher published self-contained (JIT) and Native AOT, on the ignore path and the real path.") { runs };
root.SetAction((parse, _) => ColdStart.RunAsync(parse.GetValue(runs), Console.Out));
return await root.Parse(args).InvokeAsync();

internal static class ColdStart
{
    private const string RuntimeIdentifier = "linux-x64";
    private const string NoFailures = """{"batchItemFailures":[]}""";
    private const string Policy = """{"destinations":[{"region":"eu-west-1"}]}""";
    private static readonly TimeSpan Answer = TimeSpan.FromMinutes(1);

    private enum InvocationPath
    {
        /// <summary>An AMI event the dispatcher ignores ("pending"): no AWS call, only the start and the parsing.</summary>
        Ignore,

        /// <summary>A new AMI: DescribeImages, the job written to DynamoDB Local, the slots taken, CopyImage on the simulator.</summary>
        Real,
    }

    private sealed record Variant(LambdaBuild Build, InvocationPath Path);

    public static async Task<int> RunAsync(int runs, TextWriter output)
    {
        if (runs < 1)
        {
            output.WriteLine("--runs must be at least 1");
            return 2;
        }

        var repository = RepositoryRoot.Find();
        var builds = new[] { LambdaBuild.SelfContainedJit, LambdaBuild.NativeAot };
        var packages = builds.ToDictionary(b => b, b =>
            new PublishedLambdaPackages(repository, RuntimeIdentifier, Console.Error, b).DirectoryFor(LambdaFunction.Dispatcher));

        await using var cloud = await LocalCloudServers.StartAsync();
        var variants = builds.SelectMany(b => Enum.GetValues<InvocationPath>().Select(p => new Variant(b, p))).ToList();
        var samples = variants.ToDictionary(v => v, _ => new List<double>());
        // One warm-up run each (file cache, DynamoDB Local's JIT), then the variants take turns, so load that comes and
        // goes on the machine spreads over all of them alike.
        for (var run = 0; run <= runs; run++)
        {
            foreach (var variant in variants)
            {
                var milliseconds = await MeasureAsync(cloud, Path.Combine(packages[variant.Build], "bootstrap"), variant.Path);
                if (run > 0)
                {
                    samples[variant].Add(milliseconds);
                }
            }
        }

        Report(output, runs, packages, samples);
        return 0;
    }

    private static async Task<double> MeasureAsync(LocalCloudServers cloud, string bootstrap, InvocationPath path)
    {
        await using var h = await LocalReplication.StartAsync(cloud, Policy);
        var imageId = h.Simulator.SeedImage(LocalReplication.Home, new SeedImage { Name = "golden-al2023" });
        var body = LocalReplication.AvailableEvent(LocalReplication.Home, imageId);
        if (path == InvocationPath.Ignore)
        {
            body = body.Replace("\"State\":\"available\"", "\"State\":\"pending\"", StringComparison.Ordinal);
        }

        var sqsEvent = JsonSerializer.Serialize(new SqsEvent
        {
            Records =
            [
                new SqsMessage
                {
                    MessageId = "m-1",
                    ReceiptHandle = "r-1",
                    Body = body,
                    Attributes = new Dictionary<string, string> { ["ApproximateReceiveCount"] = "1" },
                    EventSource = "aws:sqs",
                    EventSourceArn = "arn:aws:sqs:us-east-1:123456789012:AmiReplicator-RequestQueue",
                    AwsRegion = LocalReplication.Home,
                },
            ],
        }, MessagesJsonContext.Default.SqsEvent);

        await using var dispatcher = BootstrapProcess.Start(bootstrap, h.FunctionEnvironmentVariables());
        var answer = await dispatcher.InvokeAsync(sqsEvent, Answer);
        var elapsed = dispatcher.SinceStart.TotalMilliseconds;

        // Not timed: the run did what its path says, or its number means nothing.
        var jobs = await h.JobsAsync();
        var didItsWork = path == InvocationPath.Ignore ? jobs.Count == 0 : jobs.Count == 1 && jobs[0].State == CopyJobState.Copying;
        if (answer != NoFailures || !didItsWork)
        {
            throw new InvalidOperationException(
                $"{bootstrap} on the {path} path answered {answer} and left {jobs.Count} job(s):\n{dispatcher.StandardOutput}{dispatcher.StandardError}");
        }

        return elapsed;
    }

    private static void Report(TextWriter output, int runs, Dictionary<LambdaBuild, string> packages, Dictionary<Variant, List<double>> samples)
    {
        output.WriteLine($"Cold start of the dispatcher ({RuntimeIdentifier}): process start -> first invocation answered, {runs} runs each");
        output.WriteLine($"Machine: {Environment.ProcessorCount} cores, {RuntimeInformation.OSDescription}, load average {LoadAverage()}");
        output.WriteLine();
        output.WriteLine($"{"build",-20} {"package",9} {"path",-7} {"median",9} {"p90",9} {"min",9} {"max",9}");
        foreach (var ((build, path), values) in samples)
        {
            values.Sort();
            output.WriteLine($"{Name(build),-20} {Megabytes(packages[build]),9} {path.ToString().ToLowerInvariant(),-7} " +
                $"{Ms(Percentile(values, 0.5)),9} {Ms(Percentile(values, 0.9)),9} {Ms(values[0]),9} {Ms(values[^1]),9}");
        }

        output.WriteLine();
        var allFaster = true;
        foreach (var path in Enum.GetValues<InvocationPath>())
        {
            var speedUp = Percentile(samples[new(LambdaBuild.SelfContainedJit, path)], 0.5) / Percentile(samples[new(LambdaBuild.NativeAot, path)], 0.5);
            allFaster &= speedUp >= 5;
            output.WriteLine($"Native AOT is {speedUp.ToString("0.0", CultureInfo.InvariantCulture)}x faster than JIT on the {path.ToString().ToLowerInvariant()} path (medians)");
        }

        var aotReal = Percentile(samples[new(LambdaBuild.NativeAot, InvocationPath.Real)], 0.5);
        output.WriteLine($"Targets: AOT at least 5x faster on both paths: {(allFaster ? "met" : "NOT met")}; " +
            $"AOT real path under 100 ms (median {Ms(aotReal)}): {(aotReal < 100 ? "met" : "NOT met")}");
    }

    /// <summary>Nearest rank: the smallest sample with at least <paramref name="fraction"/> of the samples at or below it.</summary>
    private static double Percentile(List<double> values, double fraction)
    {
        var sorted = values.Order().ToList();
        return sorted[Math.Max(0, (int)Math.Ceiling(fraction * sorted.Count) - 1)];
    }

    private static string Name(LambdaBuild build) => build == LambdaBuild.NativeAot ? "Native AOT" : "JIT (self-contained)";

    private static string Ms(double milliseconds) => milliseconds.ToString("0.0", CultureInfo.InvariantCulture) + " ms";

    private static string Megabytes(string directory) =>
        (Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length) / 1e6).ToString("0.0", CultureInfo.InvariantCulture) + " MB";

    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";
}
