using System.Runtime.InteropServices;

namespace AmiReplicator.Infra;

/// <summary>Where the functions are compiled: with this machine's Native AOT toolchain, or in the Amazon Linux 2023 build container.</summary>
internal enum BundlingPath
{
    Local,
    Container,
}

/// <summary>What the build host offers, as probes (so the choice is tested without a container runtime or another OS).</summary>
internal sealed record BuildHost(bool IsLinux, string Architecture, Func<string, bool> HasProgram, Func<string, string?> Environment)
{
    /// <summary>This machine's architecture as .NET's runtime identifiers name it (x64, arm64).</summary>
    public static string ThisArchitecture => RuntimeInformation.OSArchitecture switch
    {
        System.Runtime.InteropServices.Architecture.X64 => "x64",
        System.Runtime.InteropServices.Architecture.Arm64 => "arm64",
        var other => other.ToString().ToLowerInvariant(),
    };

    public static BuildHost This(Func<string, string?> environment) => new(
        OperatingSystem.IsLinux(),
        ThisArchitecture,
        program => (environment("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Any(directory => File.Exists(Path.Combine(directory, program)) || File.Exists(Path.Combine(directory, program + ".exe"))),
        environment);
}

/// <summary>
/// The choice between the two ways of building the functions, made as the CDK's own Go and Node constructs make it: locally when
/// the toolchain is here (fast, no container), otherwise in a container whose glibc is Lambda's. <c>AMIREPL_BUNDLING</c>
/// (<c>local</c> or <c>container</c>) forces one; the container runtime is <c>CDK_DOCKER</c> when set (the CDK runs that
/// program), else the first of docker, finch and podman on PATH.
/// </summary>
internal sealed record LambdaBundling(BundlingPath Path, string? ContainerRuntime, string Reason)
{
    public const string ChoiceVariable = "AMIREPL_BUNDLING";

    /// <summary>The programs the CDK can run containers with, in the order they are looked for.</summary>
    public static IReadOnlyList<string> ContainerRuntimes { get; } = ["docker", "finch", "podman"];

    public static LambdaBundling Choose(BuildHost host, string runtimeIdentifier)
    {
        var localMissing = LocalToolchainMissing(host, runtimeIdentifier);
        var runtime = host.Environment("CDK_DOCKER") is { Length: > 0 } named ? named : ContainerRuntimes.FirstOrDefault(host.HasProgram);
        switch (host.Environment(ChoiceVariable))
        {
            case null or "":
                break;
            case "local":
                return localMissing is null
                    ? new LambdaBundling(BundlingPath.Local, null, $"{ChoiceVariable}=local")
                    : throw new ConfigurationException(ChoiceVariable, $"local was asked for, but {localMissing}");
            case "container":
                return runtime is not null
                    ? new LambdaBundling(BundlingPath.Container, runtime, $"{ChoiceVariable}=container")
                    : throw new ConfigurationException(ChoiceVariable, $"container was asked for, but {NoContainerRuntime}");
            case var other:
                throw new ConfigurationException(ChoiceVariable, $"must be local or container (got '{other}')");
        }

        if (localMissing is null)
        {
            return new LambdaBundling(BundlingPath.Local, null, "the Native AOT toolchain is here");
        }

        return runtime is not null
            ? new LambdaBundling(BundlingPath.Container, runtime, $"no local Native AOT toolchain ({localMissing})")
            : throw new ConfigurationException("bundling", $"the functions cannot be built here: {localMissing}, and {NoContainerRuntime}. "
                + "On Debian or Ubuntu run tools/setup.sh deploy as root; on macOS or Windows install Docker Desktop, Finch or Podman");
    }

    /// <summary>
    /// The container runtime the CDK must be pointed at with CDK_DOCKER (it runs "docker" otherwise): finch or podman when docker is
    /// not on PATH and CDK_DOCKER is not set. The CDK reads CDK_DOCKER in its own Node process, which inherits this process's
    /// environment when the first CDK object is made: set it before.
    /// </summary>
    public static string? CdkDockerToSet(BuildHost host) =>
        host.Environment("CDK_DOCKER") is { Length: > 0 } || host.HasProgram("docker")
            ? null
            : ContainerRuntimes.Skip(1).FirstOrDefault(host.HasProgram);

    private static string NoContainerRuntime => $"no container runtime is on PATH ({string.Join(", ", ContainerRuntimes)}; or set CDK_DOCKER)";

    /// <summary>Why this host cannot compile the functions for <paramref name="runtimeIdentifier"/> itself, or null when it can.</summary>
    private static string? LocalToolchainMissing(BuildHost host, string runtimeIdentifier)
    {
        if (!host.IsLinux)
        {
            return "Native AOT compiles for Linux only on Linux";
        }

        var target = runtimeIdentifier[(runtimeIdentifier.LastIndexOf('-') + 1)..];
        var needed = target == host.Architecture
            ? new[] { "clang" }
            : ["clang", "ld.lld", $"{PublishedLambdaPackages.GnuTriple(runtimeIdentifier)}-objcopy", $"{PublishedLambdaPackages.GnuTriple(runtimeIdentifier)}-gcc"];
        var missing = needed.Where(p => !host.HasProgram(p)).ToList();
        return missing.Count == 0 ? null : $"{string.Join(", ", missing)} not on PATH (needed to link for {runtimeIdentifier} on {host.Architecture})";
    }
}
