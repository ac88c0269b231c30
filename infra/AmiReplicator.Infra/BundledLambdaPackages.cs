using Amazon.CDK;
using Amazon.CDK.AWS.Lambda;
using Amazon.JSII.Runtime.Deputy;

namespace AmiReplicator.Infra;

/// <summary>
/// The functions' packages as the CDK's own Go and Node constructs make theirs: an asset of the checkout with bundling, local
/// first (<see cref="PublishedLambdaPackages"/>, checked against provided.al2023 by <see cref="BootstrapCompatibility"/>) and
/// otherwise in the Amazon Linux 2023 container (<see cref="ContainerBuild"/>), as <see cref="LambdaBundling"/> chose. The
/// asset's hash is the publish's input fingerprint, so an unchanged function is neither rebuilt nor uploaded again.
/// </summary>
internal sealed class BundledLambdaPackages(string repositoryRoot, PublishedLambdaPackages published, LambdaBundling bundling, string runtimeIdentifier)
    : ILambdaPackages
{
    /// <summary>The image CDK is given when the local build makes the package: never pulled nor built.</summary>
    private const string UnusedImage = "amireplicator-local-build-only";

    private DockerImage? _buildImage;

    public Code CodeFor(LambdaFunction function)
    {
        var local = bundling.Path == BundlingPath.Local ? new LocalNativeAot(PublishedAndChecked(function)) : null;
        return Code.FromAsset(repositoryRoot, new Amazon.CDK.AWS.S3.Assets.AssetOptions
        {
            AssetHashType = AssetHashType.CUSTOM,
            AssetHash = $"{published.FingerprintFor(function)}-{bundling.Path}",
            Bundling = new BundlingOptions
            {
                Local = local,
                // DockerImage.FromBuild builds at once: only when the container is the way.
                Image = local is null ? BuildImage() : DockerImage.FromRegistry(UnusedImage),
                Platform = ContainerBuild.Platform(runtimeIdentifier),
                Command = [.. ContainerBuild.Command(function, runtimeIdentifier)],
            },
        });
    }

    /// <summary>The function published here, its bootstrap refused before the synth goes on when Lambda could not run it.</summary>
    private string PublishedAndChecked(LambdaFunction function)
    {
        var directory = published.DirectoryFor(function);
        BootstrapCompatibility.Check(Path.Combine(directory, "bootstrap"));
        return directory;
    }

    private DockerImage BuildImage() =>
        _buildImage ??= DockerImage.FromBuild(ContainerBuild.ImageDirectory(repositoryRoot), new DockerBuildOptions
        {
            Platform = ContainerBuild.Platform(runtimeIdentifier),
        });

    /// <summary>CDK's local bundling: copies the package already published (and checked) into the asset's folder.</summary>
    private sealed class LocalNativeAot(string package) : DeputyBase, ILocalBundling
    {
        public bool TryBundle(string outputDir, IBundlingOptions options)
        {
            foreach (var file in Directory.EnumerateFiles(package, "*", SearchOption.AllDirectories))
            {
                var target = Path.Combine(outputDir, Path.GetRelativePath(package, file));
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                File.Copy(file, target, overwrite: true);
                if (!OperatingSystem.IsWindows())
                {
                    File.SetUnixFileMode(target, File.GetUnixFileMode(file));
                }
            }

            return true;
        }
    }
}
