namespace AmiReplicator.Infra;

/// <summary>
/// The container path of <see cref="LambdaBundling"/>: the image (infra/bundling/Dockerfile, Amazon Linux 2023) and the
/// <c>dotnet publish</c> the CDK runs in it, with the checkout mounted at <c>/asset-input</c> and the package written to
/// <c>/asset-output</c>. The image is built for the functions' architecture, so the publish is never a cross-compile.
/// </summary>
internal static class ContainerBuild
{
    /// <summary>Where the CDK mounts the asset's source (the checkout) and where it takes the package from.</summary>
    public const string Input = "/asset-input";
    public const string Output = "/asset-output";

    /// <summary>The folder of the Dockerfile, relative to the checkout.</summary>
    public static string ImageDirectory(string repositoryRoot) => Path.Combine(repositoryRoot, "infra", "bundling");

    /// <summary>The container platform of a Linux runtime identifier (linux-arm64 -> linux/arm64).</summary>
    public static string Platform(string runtimeIdentifier) => runtimeIdentifier.Replace('-', '/');

    /// <summary>The command the container runs to publish <paramref name="function"/> as <c>bootstrap</c> into the output folder.</summary>
    public static IReadOnlyList<string> Command(LambdaFunction function, string runtimeIdentifier) =>
    [
        "dotnet", "publish", $"{Input}/functions/AmiReplicator.{function}", "--output", Output,
        // Builds outside the mounted checkout: nothing is written into the user's working tree.
        "--artifacts-path", "/tmp/artifacts", "-nologo",
        .. PublishedLambdaPackages.PublishOptions(Input, runtimeIdentifier, LambdaBuild.NativeAot, crossTriple: null),
    ];
}
