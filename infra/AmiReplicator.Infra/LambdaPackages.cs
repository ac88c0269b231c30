using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;

namespace AmiReplicator.Infra;

/// <summary>The two Lambda entry points, by the folder of their function project.</summary>
public enum LambdaFunction
{
    Dispatcher,
    Poller,
}

/// <summary>Where each function's deployment package (a folder holding an executable <c>bootstrap</c>) comes from.</summary>
public interface ILambdaPackages
{
    string DirectoryFor(LambdaFunction function);
}

/// <summary>Folders made elsewhere: <c>{root}/dispatcher</c> and <c>{root}/poller</c>. Tests use it to skip publishing.</summary>
public sealed class PrebuiltLambdaPackages(string root) : ILambdaPackages
{
    /// <summary>Set to a folder of prebuilt packages to synthesize without running dotnet publish.</summary>
    public const string DirectoryVariable = "AMIREPL_LAMBDA_PACKAGES";

    public string DirectoryFor(LambdaFunction function)
    {
        var directory = Path.Combine(root, function.ToString().ToLowerInvariant());
        return File.Exists(Path.Combine(directory, "bootstrap"))
            ? directory
            : throw new ConfigurationException(DirectoryVariable, $"{directory} has no bootstrap file");
    }
}

/// <summary>
/// Publishes each function with the local .NET SDK (no Docker): self-contained, as <c>bootstrap</c>, for the provided.al2023
/// runtime. A publish is skipped while its inputs (the function sources and the shared build files) are unchanged.
/// </summary>
public sealed class PublishedLambdaPackages(string repositoryRoot, string runtimeIdentifier, TextWriter log) : ILambdaPackages
{
    public const string LambdaRuntimeIdentifier = "linux-arm64";

    private static readonly string[] SharedBuildFiles = ["Directory.Build.props", "Directory.Packages.props", ".editorconfig"];

    public string OutputRoot => Path.Combine(repositoryRoot, "infra", "AmiReplicator.Infra", "obj", "lambda", runtimeIdentifier);

    public string DirectoryFor(LambdaFunction function)
    {
        var name = function.ToString().ToLowerInvariant();
        var output = Path.Combine(OutputRoot, name);
        var stamp = Path.Combine(OutputRoot, name + ".inputs");
        var fingerprint = InputFingerprint();
        if (File.Exists(Path.Combine(output, "bootstrap")) && File.Exists(stamp) && File.ReadAllText(stamp) == fingerprint)
        {
            return output;
        }

        if (Directory.Exists(output))
        {
            Directory.Delete(output, recursive: true);
        }

        Directory.CreateDirectory(OutputRoot);
        File.Delete(stamp);
        Publish(Path.Combine(repositoryRoot, "functions", $"AmiReplicator.{function}"), output);
        File.WriteAllText(stamp, fingerprint);
        return output;
    }

    /// <summary>The folder holding AmiReplicator.sln, searched upwards from <paramref name="start"/>.</summary>
    public static string FindRepositoryRoot(string start)
    {
        for (var directory = new DirectoryInfo(start); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "AmiReplicator.sln")))
            {
                return directory.FullName;
            }
        }

        throw new ConfigurationException("app", $"no AmiReplicator.sln above {start}: run cdk from the repository");
    }

    private void Publish(string project, string output)
    {
        log.WriteLine($"Publishing {Path.GetFileName(project)} for {runtimeIdentifier} into {output}");
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = repositoryRoot,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in new[]
        {
            "publish", project, "--configuration", "Release", "--runtime", runtimeIdentifier, "--self-contained", "true",
            "--output", output,
            // Its own bin/obj, so publishing never races a build of the same projects in the working tree.
            "--artifacts-path", Path.Combine(OutputRoot, "build"),
            "-p:GenerateDocumentationFile=false", "-nologo",
        })
        {
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

    private string InputFingerprint()
    {
        var files = Directory.EnumerateFiles(Path.Combine(repositoryRoot, "functions"), "*", SearchOption.AllDirectories)
            .Where(f => !IsBuildOutput(f) && (f.EndsWith(".cs", StringComparison.Ordinal) || f.EndsWith(".csproj", StringComparison.Ordinal)))
            .Concat(SharedBuildFiles.Select(f => Path.Combine(repositoryRoot, f)).Where(File.Exists))
            .Order(StringComparer.Ordinal);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(Encoding.UTF8.GetBytes(runtimeIdentifier));
        foreach (var file in files)
        {
            hash.AppendData(Encoding.UTF8.GetBytes(Path.GetRelativePath(repositoryRoot, file)));
            hash.AppendData(File.ReadAllBytes(file));
        }

        return Convert.ToHexString(hash.GetHashAndReset());
    }

    private static bool IsBuildOutput(string path) =>
        path.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
        || path.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal);
}
