using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;

namespace AmiReplicator.Infra;

/// <summary>
/// Publishes each function with the local .NET SDK (no Docker) as <c>bootstrap</c> for the provided.al2023 runtime: Native AOT
/// by default (cross-linked with lld when the target architecture is not this machine's). The output does not depend on the
/// checkout's path, and every file is readable by anyone (<c>bootstrap</c> executable) whatever the umask, because the CDK
/// CLI zips each file with its mode and Lambda runs the function as another user. A publish is skipped while its inputs
/// (the function sources, the shared build files and the publish options) are unchanged.
/// </summary>
public sealed class PublishedLambdaPackages(string repositoryRoot, string runtimeIdentifier, TextWriter log, LambdaBuild build = LambdaBuild.NativeAot)
{
    public const string LambdaRuntimeIdentifier = "linux-arm64";

    private readonly Lazy<byte[]> _sources = new(() => SourcesDigestOf(repositoryRoot));

    private const UnixFileMode Readable = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
    private const UnixFileMode Executable = Readable | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;

    /// <summary>What a publish reads besides the folder functions/: the build settings every project shares.</summary>
    public static IReadOnlyList<string> SharedBuildFiles { get; } = ["Directory.Build.props", "Directory.Packages.props", ".editorconfig"];

    public string OutputRoot => Path.Combine(repositoryRoot, "infra", "AmiReplicator.Infra", "obj", "lambda",
        build == LambdaBuild.NativeAot ? runtimeIdentifier : runtimeIdentifier + "-jit");

    /// <summary>
    /// What the function's package is made from (its sources, the shared build files, the publish options): the asset's hash.
    /// The checkout's path is left out (a placeholder in the options' path map), so any checkout of one commit gives one hash.
    /// </summary>
    public string FingerprintFor(LambdaFunction function) =>
        $"{function}-{InputFingerprint(PublishOptions("/checkout", runtimeIdentifier, build, CrossCompilingTriple()))}";

    public string DirectoryFor(LambdaFunction function)
    {
        var name = function.ToString().ToLowerInvariant();
        var output = Path.Combine(OutputRoot, name);
        var stamp = Path.Combine(OutputRoot, name + ".inputs");
        var project = Path.Combine(repositoryRoot, "functions", $"AmiReplicator.{function}");
        var fingerprint = InputFingerprint(PublishOptions());
        if (!File.Exists(Path.Combine(output, "bootstrap")) || !File.Exists(stamp) || File.ReadAllText(stamp) != fingerprint)
        {
            if (Directory.Exists(output))
            {
                Directory.Delete(output, recursive: true);
            }

            Directory.CreateDirectory(OutputRoot);
            File.Delete(stamp);
            Publish(project, output);
            File.WriteAllText(stamp, fingerprint);
        }

        MakeReadableByAnyone(output);
        return output;
    }

    /// <summary>
    /// The repository the app runs in: the CDK CLI runs it in the folder of cdk.json, the repository's root, where the
    /// function projects are found from.
    /// </summary>
    public static string RepositoryIn(string directory) =>
        File.Exists(Path.Combine(directory, "AmiReplicator.sln"))
            ? directory
            : throw new ConfigurationException("app", $"no AmiReplicator.sln in {directory}: run cdk from the repository's root");

    /// <summary>The msbuild properties of the publish; part of the fingerprint, so changing one publishes again.</summary>
    private List<string> PublishOptions() => PublishOptions(repositoryRoot, runtimeIdentifier, build, CrossCompilingTriple());

    /// <summary>
    /// The options of a publish of the checkout at <paramref name="repositoryRoot"/> (a container's mount, or this machine's path),
    /// cross-linking for <paramref name="crossTriple"/> when the target is not the building machine's architecture.
    /// </summary>
    public static List<string> PublishOptions(string repositoryRoot, string runtimeIdentifier, LambdaBuild build, string? crossTriple)
    {
        var separator = repositoryRoot.StartsWith('/') ? '/' : Path.DirectorySeparatorChar;
        List<string> options =
        [
            "--configuration", "Release", "--runtime", runtimeIdentifier, "--self-contained", "true",
            build == LambdaBuild.NativeAot ? "-p:PublishAot=true" : "-p:PublishAot=false",
            // The same bytes from any checkout path and for any commit that leaves the functions alone: paths under the
            // checkout (sources, and the build folder, which names generated sources and so the compiler's file-local
            // types) are mapped to one root; no commit id in the version; no symbol file. ContinuousIntegrationBuild is not
            // used: its mapping numbers the source roots it finds, which differ with and without a git repository.
            "-p:Deterministic=true", $"-p:PathMap={repositoryRoot}{separator}=/_/",
            "-p:IncludeSourceRevisionInInformationalVersion=false",
            "-p:DebugType=none", "-p:CopyOutputSymbolsToPublishDirectory=false", "-p:GenerateDocumentationFile=false",
        ];
        if (build == LambdaBuild.NativeAot && crossTriple is not null)
        {
            // The system linker links only for this machine; lld links any target, with that target's binutils stripping.
            options.AddRange(["-p:LinkerFlavor=lld", $"-p:ObjCopyName={crossTriple}-objcopy"]);
        }

        return options;
    }

    /// <summary>The GNU triple of a Linux runtime identifier's architecture (the prefix of its cross binutils).</summary>
    public static string GnuTriple(string runtimeIdentifier) => runtimeIdentifier[(runtimeIdentifier.LastIndexOf('-') + 1)..] switch
    {
        "arm64" => "aarch64-linux-gnu",
        "x64" => "x86_64-linux-gnu",
        _ => throw new ConfigurationException("runtime", $"no cross toolchain known for {runtimeIdentifier}"),
    };

    /// <summary>The GNU triple of the target when it is not this machine's architecture (whose toolchain tools/setup.sh installs).</summary>
    private string? CrossCompilingTriple()
    {
        var target = runtimeIdentifier[(runtimeIdentifier.LastIndexOf('-') + 1)..];
        return target == BuildHost.ThisArchitecture ? null : GnuTriple(runtimeIdentifier);
    }

    private void Publish(string project, string output)
    {
        log.WriteLine($"Publishing {Path.GetFileName(project)} ({build}) for {runtimeIdentifier} into {output}");
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = repositoryRoot,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in new[] { "publish", project, "--output", output, "--artifacts-path", Path.Combine(OutputRoot, "build"), "-nologo" }
            .Concat(PublishOptions()))
        {
            // Its own bin/obj (artifacts path), so publishing never races a build of the same projects in the working tree.
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet could not be started");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException(
                $"dotnet publish {Path.GetFileName(project)} failed ({process.ExitCode}):{Environment.NewLine}{stdout.Result}{stderr.Result}");
        }
    }

    private static void MakeReadableByAnyone(string output)
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        foreach (var directory in Directory.EnumerateDirectories(output, "*", SearchOption.AllDirectories).Prepend(output))
        {
            File.SetUnixFileMode(directory, Executable);
        }

        foreach (var file in Directory.EnumerateFiles(output, "*", SearchOption.AllDirectories))
        {
            File.SetUnixFileMode(file, Path.GetFileName(file) == "bootstrap" ? Executable : Readable);
        }
    }

    private string InputFingerprint(IEnumerable<string> options)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(Encoding.UTF8.GetBytes(string.Join('\n', options)));
        hash.AppendData(_sources.Value);
        return Convert.ToHexString(hash.GetHashAndReset());
    }

    /// <summary>The digest of what a publish reads, read once: each function's asset hash and its publish stamp both need it.</summary>
    private static byte[] SourcesDigestOf(string repositoryRoot)
    {
        var files = Directory.EnumerateFiles(Path.Combine(repositoryRoot, "functions"), "*", SearchOption.AllDirectories)
            // Every source file, not only code: a project may embed any of them (the permission contract is a .json resource).
            .Where(f => !IsBuildOutput(f))
            .Concat(SharedBuildFiles.Select(f => Path.Combine(repositoryRoot, f)).Where(File.Exists))
            .Order(StringComparer.Ordinal);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var file in files)
        {
            hash.AppendData(Encoding.UTF8.GetBytes(Path.GetRelativePath(repositoryRoot, file)));
            hash.AppendData(File.ReadAllBytes(file));
        }

        return hash.GetHashAndReset();
    }

    private static bool IsBuildOutput(string path) =>
        path.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
        || path.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal);
}
