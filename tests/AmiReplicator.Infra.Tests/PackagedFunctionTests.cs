using System.IO.Compression;
using System.Runtime.Versioning;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Amazon.CDK;
using AmiReplicator.Domain.Jobs;
using AmiReplicator.Ec2Simulator;
using AmiReplicator.Infra;
using AmiReplicator.LocalCloud;
using AmiReplicator.LocalLambda;
using AmiReplicator.TestSupport;

namespace AmiReplicator.Infra.Tests;

/// <summary>
/// The packages synth builds (Native AOT <c>bootstrap</c> binaries), run for real as their own processes against a fake
/// Runtime API and the local cloud: this machine's linux-x64 build end to end, Lambda's linux-arm64 build under qemu.
/// </summary>
[SupportedOSPlatform("linux")]
[Collection(LocalCloudFixture.Collection)]
public sealed class PackagedFunctionTests(LocalCloudFixture cloud)
{
    private static readonly string[] Destinations = ["eu-central-1", "eu-west-1"];

    private const string Policy = """
        {"destinations":[{"region":"eu-west-1"},{"region":"eu-central-1"}],"tags":{"copied-by":"ami-replicator"}}
        """;

    private const string ScheduledEvent = """
        {"version":"0","id":"s-1","detail-type":"Scheduled Event","source":"aws.events","account":"123456789012",
         "time":"2026-11-25T08:06:00Z","region":"us-east-1","resources":["arn:aws:events:us-east-1:123456789012:rule/PollerSchedule"],"detail":{}}
        """;

    private const ushort X64Machine = 0x3E;
    private const ushort Arm64Machine = 0xB7;

    private static readonly TimeSpan Answer = TimeSpan.FromMinutes(1);

    [Fact]
    public async Task The_native_dispatcher_turns_an_sqs_event_into_copies_and_the_native_poller_finishes_them()
    {
        var dispatcherBootstrap = PublishedFunctions.Bootstrap(PublishedFunctions.HostRuntimeIdentifier, LambdaFunction.Dispatcher);
        var pollerBootstrap = PublishedFunctions.Bootstrap(PublishedFunctions.HostRuntimeIdentifier, LambdaFunction.Poller);
        AssertNativePackage(dispatcherBootstrap, X64Machine);
        AssertNativePackage(pollerBootstrap, X64Machine);

        await using var h = await LocalReplication.StartAsync(cloud.Servers, Policy);
        var sourceId = SeedSource(h);
        await h.SendAsync(LocalReplication.AvailableEvent("us-east-1", sourceId));
        await h.SendAsync("this is not json");

        await using var dispatcher = BootstrapProcess.Start(dispatcherBootstrap, h.FunctionEnvironmentVariables());
        var outcome = await h.EventSource.PollOnceAsync((sqsEvent, _) => dispatcher.InvokeAsync(sqsEvent, Answer), CancellationToken.None);

        // The unreadable message went to the DLQ at once (through moto's SQS); the AMI became one copy per destination.
        Assert.Equal(2, outcome.Delivered);
        Assert.Empty(outcome.FailedMessageIds);
        Assert.Equal("this is not json", Assert.Single(await h.DeadLettersAsync()).Body);
        var started = await h.JobsAsync();
        Assert.Equal(Destinations, started.Select(j => j.Key.DestinationRegion).Order(StringComparer.Ordinal));
        Assert.All(started, j => Assert.Equal(CopyJobState.Copying, j.State));
        Assert.All(Destinations, d => Assert.Equal(1, h.Simulator.PendingCopies(d)));
        Assert.False(dispatcher.HasExited, "the runtime loop must wait for the next event");
        AssertJsonLogLines(dispatcher, "malformed");

        h.Clock.Advance(TimeSpan.FromMinutes(6));
        await using var poller = BootstrapProcess.Start(pollerBootstrap, h.FunctionEnvironmentVariables());
        await poller.InvokeAsync(ScheduledEvent, Answer);

        var finished = await h.JobsAsync();
        Assert.All(finished, j => Assert.Equal(CopyJobState.Available, j.State));
        foreach (var job in finished)
        {
            var copy = h.Simulator.FindImage(job.Key.DestinationRegion, job.TargetImageId!)!;
            Assert.Equal("available", copy.State);
            Assert.Equal("golden-al2023", copy.Name);
            Assert.Equal("ami-replicator", copy.Tags["copied-by"]);
            Assert.Equal(sourceId, copy.Tags["amireplicator:source-image-id"]);
        }

        Assert.All(await h.CountersAsync(), c => Assert.Equal(0, c.InFlight));
        AssertJsonLogLines(poller, "Poller pass");
    }

    [Fact]
    public async Task The_arm64_dispatcher_that_ships_starts_copies_from_an_sqs_event_under_qemu()
    {
        var bootstrap = PublishedFunctions.Bootstrap(PublishedLambdaPackages.LambdaRuntimeIdentifier, LambdaFunction.Dispatcher);
        AssertNativePackage(bootstrap, Arm64Machine);

        await using var h = await LocalReplication.StartAsync(cloud.Servers, Policy);
        var sourceId = SeedSource(h);
        await h.SendAsync(LocalReplication.AvailableEvent("us-east-1", sourceId));

        await using var dispatcher = BootstrapProcess.Start(bootstrap, h.FunctionEnvironmentVariables(), emulator: "qemu-aarch64-static");
        var outcome = await h.EventSource.PollOnceAsync((sqsEvent, _) => dispatcher.InvokeAsync(sqsEvent, TimeSpan.FromMinutes(3)), CancellationToken.None);

        Assert.Equal(1, outcome.Delivered);
        Assert.Empty(outcome.FailedMessageIds);
        var jobs = await h.JobsAsync();
        Assert.Equal(Destinations, jobs.Select(j => j.Key.DestinationRegion).Order(StringComparer.Ordinal));
        Assert.All(jobs, j => Assert.Equal(CopyJobState.Copying, j.State));
        AssertJsonLogLines(dispatcher, sourceId);
    }

    [Fact]
    public void Publishing_from_another_checkout_path_gives_the_same_asset()
    {
        var shipped = PublishedFunctions.Packages(PublishedLambdaPackages.LambdaRuntimeIdentifier).DirectoryFor(LambdaFunction.Dispatcher);
        var scratch = Directory.CreateTempSubdirectory("amirepl-checkout-").FullName;
        try
        {
            // A longer path than any checkout's, so an embedded path would shift the bytes too.
            var otherCheckout = Path.Combine(scratch, "somewhere", "else", "entirely", "AmiReplicator");
            CopySources(TestContext.RepositoryRoot, otherCheckout);
            var rebuilt = new PublishedLambdaPackages(otherCheckout, PublishedLambdaPackages.LambdaRuntimeIdentifier, TextWriter.Null)
                .DirectoryFor(LambdaFunction.Dispatcher);

            Assert.Equal(RelativeFiles(shipped), RelativeFiles(rebuilt));
            foreach (var file in RelativeFiles(rebuilt))
            {
                var bytes = File.ReadAllBytes(Path.Combine(rebuilt, file));
                Assert.True(bytes.AsSpan().IndexOf(Encoding.UTF8.GetBytes(otherCheckout)) < 0, $"{file} names the checkout path {otherCheckout}");
                Assert.True(bytes.AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(shipped, file))), $"{file} differs between the two checkouts");
            }

            Assert.Equal(FileSystem.Fingerprint(shipped), FileSystem.Fingerprint(rebuilt));
        }
        finally
        {
            Directory.Delete(scratch, recursive: true);
        }
    }

    [Fact]
    public void The_asset_zip_the_cdk_cli_uploads_has_an_executable_bootstrap_and_files_anyone_can_read_whatever_the_umask()
    {
        var packages = PublishedFunctions.Packages(PublishedLambdaPackages.LambdaRuntimeIdentifier);
        foreach (var function in Enum.GetValues<LambdaFunction>())
        {
            // What a publish under umask 077 leaves: nothing for group and others, so Lambda's user could not run it.
            foreach (var file in Directory.EnumerateFiles(packages.DirectoryFor(function), "*", SearchOption.AllDirectories))
            {
                File.SetUnixFileMode(file, File.GetUnixFileMode(file) & (UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute));
            }
        }

        var scratch = Directory.CreateTempSubdirectory("amirepl-assets-").FullName;
        try
        {
            var outdir = Path.Combine(scratch, "cdk.out");
            var app = new App(new AppProps { Context = TestContext.FromCdkJson(), Outdir = outdir });
            // As cdk synth builds them on this machine: the CDK's local bundling copies the published packages into the assets.
            var bundled = new BundledLambdaPackages(TestContext.RepositoryRoot, packages, new LambdaBundling(BundlingPath.Local, null, "the test's"),
                PublishedLambdaPackages.LambdaRuntimeIdentifier);
            ReplicatorApp.Build(app, DeploymentSettings.Read(key => app.Node.TryGetContext(key), _ => null), bundled);
            app.Synth();

            // The CLI zips each directory asset with packaging "zip" listed in the stack's asset manifest.
            var manifest = JsonNode.Parse(File.ReadAllText(Path.Combine(outdir, $"{ReplicatorApp.MainStackName()}.assets.json")))!;
            var functionAssets = manifest["files"]!.AsObject()
                .Select(a => a.Value!["source"]!)
                .Where(s => (string?)s["packaging"] == "zip")
                .Select(s => Path.Combine(outdir, (string)s["path"]!))
                .Where(d => File.Exists(Path.Combine(d, "bootstrap")))
                .ToList();
            Assert.Equal(2, functionAssets.Count);
            foreach (var asset in functionAssets)
            {
                var zipFile = Path.Combine(scratch, Path.GetFileName(asset) + ".zip");
                CdkCliZip.ZipDirectory(asset, zipFile);
                using var zip = ZipFile.OpenRead(zipFile);
                var bootstrap = Assert.Single(zip.Entries, e => e.FullName == "bootstrap");
                Assert.Equal("755", ModeOf(bootstrap));
                Assert.All(zip.Entries.Where(e => e != bootstrap), e => Assert.Equal("644", ModeOf(e)));
            }
        }
        finally
        {
            Directory.Delete(scratch, recursive: true);
        }
    }

    private static string ModeOf(ZipArchiveEntry entry) => Convert.ToString((int)CdkCliZip.Mode(entry), 8);

    private static string SeedSource(LocalReplication h) => h.Simulator.SeedImage("us-east-1", new SeedImage
    {
        Name = "golden-al2023",
        Tags = new Dictionary<string, string> { ["team"] = "platform" },
    });

    /// <summary>A Native AOT package: the one executable for the architecture, no runtime or assemblies beside it.</summary>
    private static void AssertNativePackage(string bootstrap, ushort machine)
    {
        Assert.Equal(["bootstrap"], Directory.EnumerateFiles(Path.GetDirectoryName(bootstrap)!).Select(Path.GetFileName));
        Assert.True(File.GetUnixFileMode(bootstrap).HasFlag(UnixFileMode.OtherExecute), "bootstrap must be executable by Lambda's user");
        var header = File.ReadAllBytes(bootstrap).AsSpan(0, 20);
        Assert.True(header[..4].SequenceEqual("\u007fELF"u8), "bootstrap must be an ELF executable");
        Assert.Equal(machine, BitConverter.ToUInt16(header[18..]));
    }

    /// <summary>Lambda's JSON log format keeps each line as an object: every line the function wrote must be one.</summary>
    private static void AssertJsonLogLines(BootstrapProcess function, string expected)
    {
        var lines = function.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.All(lines, l => JsonDocument.Parse(l).Dispose());
        Assert.Contains(lines, l => l.Contains(expected, StringComparison.OrdinalIgnoreCase));
        Assert.Equal("", function.StandardError);
    }

    private static List<string> RelativeFiles(string directory) =>
        Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(directory, f))
            .Order(StringComparer.Ordinal)
            .ToList();

    /// <summary>What a clean clone holds that the functions' publish reads: their sources and the shared build files.</summary>
    private static void CopySources(string repositoryRoot, string target)
    {
        foreach (var file in Directory.EnumerateFiles(Path.Combine(repositoryRoot, "functions"), "*", SearchOption.AllDirectories)
            .Where(f => !f.Contains("/bin/", StringComparison.Ordinal) && !f.Contains("/obj/", StringComparison.Ordinal))
            .Concat(PublishedLambdaPackages.SharedBuildFiles.Select(f => Path.Combine(repositoryRoot, f))))
        {
            var copy = Path.Combine(target, Path.GetRelativePath(repositoryRoot, file));
            Directory.CreateDirectory(Path.GetDirectoryName(copy)!);
            File.Copy(file, copy);
        }
    }
}
