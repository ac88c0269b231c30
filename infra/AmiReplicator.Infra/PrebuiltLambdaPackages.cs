using Amazon.CDK.AWS.Lambda;

namespace AmiReplicator.Infra;

/// <summary>Folders made elsewhere: <c>{root}/dispatcher</c> and <c>{root}/poller</c>. Tests use it to skip publishing.</summary>
internal sealed class PrebuiltLambdaPackages(string root) : ILambdaPackages
{
    /// <summary>Set to a folder of prebuilt packages to synthesize without running dotnet publish.</summary>
    public const string DirectoryVariable = "AMIREPL_LAMBDA_PACKAGES";

    public Code CodeFor(LambdaFunction function)
    {
        var directory = Path.Combine(root, function.ToString().ToLowerInvariant());
        return File.Exists(Path.Combine(directory, "bootstrap"))
            ? Code.FromAsset(directory)
            : throw new ConfigurationException(DirectoryVariable, $"{directory} has no bootstrap file");
    }
}
