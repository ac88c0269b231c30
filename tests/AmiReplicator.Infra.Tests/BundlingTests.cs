using System.Diagnostics;
using System.Runtime.Versioning;
using System.Text;
using System.Text.Json.Nodes;
using AmiReplicator.Infra;

namespace AmiReplicator.Infra.Tests;

/// <summary>How the functions are built for a deploy: here with Native AOT, or in the Amazon Linux 2023 container, and the check that Lambda can run what was built.</summary>
[SupportedOSPlatform("linux")]
public sealed class BundlingTests
{
    private const string Arm64 = PublishedLambdaPackages.LambdaRuntimeIdentifier;

    [Fact]
    public void The_bootstrap_that_ships_needs_only_glibc_2_34_and_libraries_provided_al2023_has()
    {
        var bootstrap = PublishedFunctions.Bootstrap(Arm64, LambdaFunction.Dispatcher);

        var (libraries, glibc) = BootstrapCompatibility.Read(File.ReadAllBytes(bootstrap), bootstrap);

        Assert.Contains("libc.so.6", libraries);
        Assert.All(libraries, l => Assert.Contains(l, BootstrapCompatibility.ProvidedLibraries));
        Assert.Contains(new Version(2, 17), glibc);
        Assert.True(glibc.Max() <= BootstrapCompatibility.MaxGlibc, $"needs GLIBC_{glibc.Max()}");
        BootstrapCompatibility.Check(bootstrap);
    }

    [Theory]
    [InlineData("GLIBC_2.34", "GLIBC_2.39", "needs GLIBC_2.39, newer than provided.al2023's 2.34")]
    [InlineData("libm.so.6", "libz.so.1", "needs libz.so.1, which Lambda's provided.al2023 does not have")]
    public void A_bootstrap_linked_for_a_newer_system_fails_the_synth_naming_what_it_needs(string needed, string instead, string expected)
    {
        var bootstrap = PublishedFunctions.Bootstrap(Arm64, LambdaFunction.Dispatcher);
        var patched = Path.Combine(Path.GetTempPath(), $"bootstrap-{Guid.NewGuid():N}");
        try
        {
            // The same length, so every offset in the file stays true: only the string the ELF headers point at changes.
            File.WriteAllBytes(patched, Replace(File.ReadAllBytes(bootstrap), needed, instead));

            var error = Assert.Throws<ConfigurationException>(() => BootstrapCompatibility.Check(patched));

            Assert.Equal("bundling", error.Field);
            Assert.Contains(expected, error.Message, StringComparison.Ordinal);
            Assert.Contains(patched, error.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(patched);
        }
    }

    [Fact]
    public void A_file_that_is_not_a_64_bit_elf_is_refused()
    {
        var error = Assert.Throws<ConfigurationException>(() => BootstrapCompatibility.Read("#!/bin/sh\necho hello\n"u8.ToArray().Concat(new byte[64]).ToArray(), "bootstrap"));

        Assert.Contains("not a 64-bit little-endian ELF executable", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(true, "x64", "clang ld.lld aarch64-linux-gnu-objcopy aarch64-linux-gnu-gcc docker", "Local", null)]
    [InlineData(true, "arm64", "clang", "Local", null)]
    [InlineData(true, "x64", "clang docker", "Container", "docker")]
    [InlineData(false, "arm64", "clang ld.lld finch", "Container", "finch")]
    [InlineData(false, "x64", "podman", "Container", "podman")]
    [InlineData(false, "x64", "docker podman", "Container", "docker")]
    public void The_local_toolchain_is_used_when_it_is_there_and_the_container_otherwise(bool linux, string architecture, string programs, string path, string? runtime)
    {
        var bundling = LambdaBundling.Choose(Host(linux, architecture, programs), Arm64);

        Assert.Equal(path, bundling.Path.ToString());
        Assert.Equal(runtime, bundling.ContainerRuntime);
    }

    [Fact]
    public void Cdk_docker_names_the_container_runtime_and_the_choice_can_be_forced()
    {
        var host = Host(true, "x64", "clang ld.lld aarch64-linux-gnu-objcopy aarch64-linux-gnu-gcc docker", ("CDK_DOCKER", "/opt/bin/finch"), (LambdaBundling.ChoiceVariable, "container"));

        var bundling = LambdaBundling.Choose(host, Arm64);

        Assert.Equal("Container", bundling.Path.ToString());
        Assert.Equal("/opt/bin/finch", bundling.ContainerRuntime);
        Assert.Equal("podman", LambdaBundling.CdkDockerToSet(Host(false, "arm64", "podman")));
        Assert.Null(LambdaBundling.CdkDockerToSet(Host(false, "arm64", "docker podman")));
    }

    [Theory]
    [InlineData(false, "", null, "bundling", "Native AOT compiles for Linux only on Linux, and no container runtime is on PATH (docker, finch, podman; or set CDK_DOCKER)")]
    [InlineData(true, "clang", null, "bundling", "ld.lld, aarch64-linux-gnu-objcopy, aarch64-linux-gnu-gcc not on PATH (needed to link for linux-arm64 on x64)")]
    [InlineData(true, "docker", "local", LambdaBundling.ChoiceVariable, "local was asked for, but clang, ld.lld")]
    [InlineData(true, "clang", "container", LambdaBundling.ChoiceVariable, "container was asked for, but no container runtime is on PATH")]
    [InlineData(true, "clang docker", "docker", LambdaBundling.ChoiceVariable, "must be local or container (got 'docker')")]
    public void A_host_that_can_build_neither_way_fails_the_synth_saying_what_to_install(bool linux, string programs, string? forced, string field, string expected)
    {
        var host = forced is null ? Host(linux, "x64", programs) : Host(linux, "x64", programs, (LambdaBundling.ChoiceVariable, forced));

        var error = Assert.Throws<ConfigurationException>(() => LambdaBundling.Choose(host, Arm64));

        Assert.Equal(field, error.Field);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_container_publishes_natively_for_arm64_from_the_mounted_checkout_into_the_asset_output()
    {
        var command = ContainerBuild.Command(LambdaFunction.Poller, Arm64);

        Assert.Equal(["dotnet", "publish", "/asset-input/functions/AmiReplicator.Poller", "--output", "/asset-output"], command.Take(5));
        Assert.Contains("-p:PublishAot=true", command);
        Assert.Contains("-p:PathMap=/asset-input/=/_/", command);
        Assert.Equal("linux-arm64", command[command.ToList().IndexOf("--runtime") + 1]);
        Assert.DoesNotContain(command, c => c.StartsWith("-p:LinkerFlavor", StringComparison.Ordinal));
        Assert.Equal("linux/arm64", ContainerBuild.Platform(Arm64));
        var dockerfile = File.ReadAllText(Path.Combine(ContainerBuild.ImageDirectory(TestContext.RepositoryRoot), "Dockerfile"));
        Assert.Contains("FROM public.ecr.aws/amazonlinux/amazonlinux:2023", dockerfile, StringComparison.Ordinal);
        Assert.Contains("--channel 10.0", dockerfile, StringComparison.Ordinal);
    }

    /// <summary>
    /// The whole container path through the CDK, with a stand-in container runtime (CDK_DOCKER) that writes down each command and,
    /// for a run, writes a bootstrap where the CDK mounted the asset's output: the synth builds the image from infra/bundling for
    /// linux/arm64 once and runs the publish of each function in it.
    /// </summary>
    [Fact]
    public async Task Without_a_local_toolchain_cdk_synth_builds_the_image_and_publishes_each_function_in_the_container()
    {
        var scratch = Directory.CreateTempSubdirectory("amirepl-bundling-").FullName;
        try
        {
            var calls = Path.Combine(scratch, "calls.log");
            var runtime = Path.Combine(scratch, "container-runtime");
            await File.WriteAllTextAsync(runtime, $$"""
                #!/bin/sh
                printf '%s\n' "$*" >> '{{calls}}'
                if [ "$1" = run ]; then
                  for a in "$@"; do case "$a" in *:/asset-output*) out="${a%%:/asset-output*}";; esac; done
                  printf 'built in the container' > "$out/bootstrap"
                fi
                """);
            File.SetUnixFileMode(runtime, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

            var (exitCode, output) = await SynthAsync(scratch, ("CDK_DOCKER", runtime), (LambdaBundling.ChoiceVariable, "container"));

            Assert.True(exitCode == 0, output);
            Assert.Contains($"in the Amazon Linux 2023 container with {runtime}", output, StringComparison.Ordinal);
            var lines = await File.ReadAllLinesAsync(calls);
            var build = Assert.Single(lines, l => l.StartsWith("build ", StringComparison.Ordinal));
            Assert.Contains("--platform linux/arm64", build, StringComparison.Ordinal);
            Assert.EndsWith(Path.Combine(TestContext.RepositoryRoot, "infra", "bundling"), build, StringComparison.Ordinal);
            var runs = lines.Where(l => l.StartsWith("run ", StringComparison.Ordinal)).ToList();
            Assert.Equal(2, runs.Count);
            Assert.All(runs, r => Assert.Contains($"{TestContext.RepositoryRoot}:/asset-input", r, StringComparison.Ordinal));
            Assert.Contains(runs, r => r.Contains("dotnet publish /asset-input/functions/AmiReplicator.Dispatcher --output /asset-output", StringComparison.Ordinal));
            Assert.Contains(runs, r => r.Contains("dotnet publish /asset-input/functions/AmiReplicator.Poller --output /asset-output", StringComparison.Ordinal));
            var assets = Directory.GetDirectories(Path.Combine(scratch, "cdk.out"), "asset.*");
            Assert.Equal(2, assets.Count(a => File.Exists(Path.Combine(a, "bootstrap"))));
        }
        finally
        {
            Directory.Delete(scratch, recursive: true);
        }
    }

    /// <summary>Runs the app as the CDK CLI does (<c>dotnet</c> on its assembly, context and output folder in the environment), from the checkout.</summary>
    private static async Task<(int ExitCode, string Output)> SynthAsync(string scratch, params (string Name, string Value)[] environment)
    {
        var context = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(TestContext.RepositoryRoot, "cdk.json")))!["context"]!.ToJsonString();
        // The app's own build output (its runtime config and dependencies), in this test run's configuration.
        var configuration = new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name;
        var app = Path.Combine(TestContext.RepositoryRoot, "infra", "AmiReplicator.Infra", "bin", configuration, "net10.0", "AmiReplicator.Infra.dll");
        var start = new ProcessStartInfo("dotnet", [app])
        {
            WorkingDirectory = TestContext.RepositoryRoot,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["CDK_CONTEXT_JSON"] = context;
        start.Environment["CDK_OUTDIR"] = Path.Combine(scratch, "cdk.out");
        start.Environment["JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION"] = "1";
        start.Environment.Remove(PrebuiltLambdaPackages.DirectoryVariable);
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await stdout + await stderr);
    }

    private static BuildHost Host(bool linux, string architecture, string programs, params (string Name, string Value)[] environment)
    {
        var onPath = programs.Split(' ', StringSplitOptions.RemoveEmptyEntries).ToHashSet();
        return new BuildHost(linux, architecture, onPath.Contains, name => environment.FirstOrDefault(e => e.Name == name).Value);
    }

    private static byte[] Replace(byte[] bytes, string from, string to)
    {
        var (source, target) = (Encoding.ASCII.GetBytes(from + "\0"), Encoding.ASCII.GetBytes(to + "\0"));
        var at = bytes.AsSpan().IndexOf(source);
        Assert.True(at >= 0, $"{from} is in the file");
        target.CopyTo(bytes, at);
        return bytes;
    }
}
