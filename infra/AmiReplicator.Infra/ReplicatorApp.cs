using Amazon.CDK;

namespace AmiReplicator.Infra;

/// <summary>The stacks of one deployment: the home region's, and one forwarding stack per other source or destination region.</summary>
public sealed record ReplicatorStacks(ReplicatorStack Main, IReadOnlyList<ForwardingStack> Forwarding);

public static class ReplicatorApp
{
    public const string MainStackName = "AmiReplicator";

    public static string ForwardingStackName(string region) => $"AmiReplicator-Forward-{region}";

    public static ReplicatorStacks Build(App app, DeploymentSettings settings, ILambdaPackages packages)
    {
        var main = new ReplicatorStack(app, MainStackName, StackProps(settings, settings.HomeRegion,
            "AMI replicator: copies new AMIs to the destination regions under DynamoDB-held budgets."), settings, packages);
        var forwarding = settings.ForwardingRegions
            .Select(region => new ForwardingStack(app, ForwardingStackName(region), StackProps(settings, region,
                    $"AMI replicator: forwards AMI events of {region} to {settings.HomeRegion}."),
                settings, settings.SourceRegions.Contains(region), settings.DestinationRegions.Contains(region)))
            .ToList();
        Tags.Of(app).Add("application", "ami-replicator");
        return new ReplicatorStacks(main, forwarding);
    }

    /// <summary>What <c>cdk synth</c> runs: read and validate cdk.json, build the stacks, synthesize. A bad setting ends it with exit code 1 and the field's name.</summary>
    public static int Run(App app, Func<string, string?> environment, TextWriter error)
    {
        try
        {
            var settings = DeploymentSettings.Read(key => app.Node.TryGetContext(key), environment);
            ILambdaPackages packages = environment(PrebuiltLambdaPackages.DirectoryVariable) is { Length: > 0 } prebuilt
                ? new PrebuiltLambdaPackages(prebuilt)
                : new PublishedLambdaPackages(PublishedLambdaPackages.RepositoryIn(Directory.GetCurrentDirectory()),
                    PublishedLambdaPackages.LambdaRuntimeIdentifier, error);
            Build(app, settings, packages);
            app.Synth();
            return 0;
        }
        catch (ConfigurationException e)
        {
            error.WriteLine($"AMI replicator configuration (cdk.json) is not valid: {e.Message}");
            return 1;
        }
    }

    private static StackProps StackProps(DeploymentSettings settings, string region, string description) => new()
    {
        // Without an account the templates stay account-agnostic, so synth needs no credentials.
        Env = new Amazon.CDK.Environment { Account = settings.Account, Region = region },
        Description = description,
    };
}
