using System.IO.Compression;
using System.Runtime.Versioning;
using AmiReplicator.Infra;

namespace AmiReplicator.Infra.Tests;

/// <summary>
/// The functions as synth publishes them. A package is published the first time a test asks for it and then taken from the
/// publish cache (<see cref="PublishedLambdaPackages"/>), which the synth of the cdk-nag check after the tests reuses too.
/// </summary>
internal static class PublishedFunctions
{
    /// <summary>This machine's: the packaged functions run natively for the end-to-end test.</summary>
    public const string HostRuntimeIdentifier = "linux-x64";

    public static PublishedLambdaPackages Packages(string runtimeIdentifier) =>
        new(TestContext.RepositoryRoot, runtimeIdentifier, TextWriter.Null);

    public static string Bootstrap(string runtimeIdentifier, LambdaFunction function) =>
        Path.Combine(Packages(runtimeIdentifier).DirectoryFor(function), "bootstrap");
}

/// <summary>
/// Zips a directory asset exactly as the CDK CLI does before uploading it (aws-cdk 2.1148.1, <c>writeZipFile</c> in
/// node_modules/aws-cdk/lib/index.js): every file under the folder (dot files too, symbolic links followed), named by its
/// relative path, dated 1980-01-01, with the file's own mode (<c>stat.mode</c>, type bits included) in the high 16 bits of
/// the external attributes of an entry made on Unix. Lambda unpacks the zip with those modes.
/// </summary>
[SupportedOSPlatform("linux")]
internal static class CdkCliZip
{
    private const int RegularFile = 0x8000; // S_IFREG

    public static void ZipDirectory(string directory, string zipFile)
    {
        using var archive = ZipFile.Open(zipFile, ZipArchiveMode.Create);
        // As the CDK CLI zips: every file, hidden ones too (SearchOption's enumeration leaves out no attribute).
        foreach (var file in Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories))
        {
            var entry = archive.CreateEntry(Path.GetRelativePath(directory, file).Replace(Path.DirectorySeparatorChar, '/'));
            entry.LastWriteTime = new DateTimeOffset(new DateTime(1980, 1, 1, 0, 0, 0, DateTimeKind.Local));
            entry.ExternalAttributes = (RegularFile | (int)File.GetUnixFileMode(file)) << 16;
            using var content = entry.Open();
            using var source = File.OpenRead(file);
            source.CopyTo(content);
        }
    }

    /// <summary>The permission bits of an entry, as unzip (and Lambda) restore them.</summary>
    public static UnixFileMode Mode(ZipArchiveEntry entry) => (UnixFileMode)((entry.ExternalAttributes >> 16) & 0x1FF);
}
