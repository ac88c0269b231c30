using Amazon.CDK;

namespace AmiReplicator.Infra;

internal static class ReplicatorApp
{
    private const string BaseName = "AmiReplicator";

    /// <summary>The home stack's name: <c>AmiReplicator</c>, or <c>{prefix}-AmiReplicator</c> for a deployment with a stack prefix.</summary>
    public static string MainStackName(string? prefix = null) => prefix is null ? BaseName : $"{prefix}-{BaseName}";

    public static string ForwardingStackName(string region, string? prefix = null) => $"{MainStackName(prefix)}-Forward-{region}";

    /// <summary>The spoke stack's name (and its StackSet's): <c>AmiReplicator-Spoke</c>, or <c>{prefix}-AmiReplicator-Spoke</c>.</summary>
    public static string SpokeStackName(string? prefix = null) => $"{MainStackName(prefix)}-Spoke";

    /// <summary>The stage holding the spoke stack: its path in the CLI is <c>Spoke/AmiReplicator-Spoke</c>.</summary>
    public const string SpokeStageName = "Spoke";

    /// <summary>A function's role name, fixed so the spoke roles can trust it by ARN: <c>AmiReplicator-Dispatcher</c>, <c>{prefix}-AmiReplicator-Poller</c>.</summary>
    public static string FunctionRoleName(LambdaFunction function, string? prefix = null) => $"{MainStackName(prefix)}-{function}";

    public static ReplicatorStacks Build(App app, DeploymentSettings settings, ILambdaPackages packages)
    {
        var deployment = settings.StackPrefix is null ? "" : $" ({settings.StackPrefix})";
        var main = new ReplicatorStack(app, MainStackName(settings.StackPrefix), StackProps(settings, settings.HomeRegion,
            $"AMI replicator{deployment}: copies new AMIs to the destination regions under DynamoDB-held budgets."), settings, packages,
            settings.Spoke.StackSet ? SpokeTemplate(settings) : null);
        var forwarding = settings.ForwardingRegions
            .Select(region => new ForwardingStack(app, ForwardingStackName(region, settings.StackPrefix), StackProps(settings, region,
                    $"AMI replicator{deployment}: forwards AMI events of {region} to {settings.HomeRegion}."),
                settings, settings.SourceRegions.Contains(region), settings.DestinationRegions.Contains(region)))
            .ToList();
        // Deployed into each target account (and region) with that account's credentials. In a stage of its own, so `cdk deploy --all`
        // (top-level stacks only) never deploys it into the home account: `cdk deploy Spoke/<name>` does.
        var spoke = settings.Policy.Targets.Count > 0
            ? new SpokeStack(new Stage(app, SpokeStageName), SpokeStackName(settings.StackPrefix), settings)
            : null;
        foreach (var (warning, i) in settings.Warnings().Select((w, i) => (w, i)))
        {
            Annotations.Of(main).AddWarningV2($"amireplicator:configuration-{i}", warning);
        }

        Tag(app, settings);
        return new ReplicatorStacks(main, forwarding, spoke);
    }

    /// <summary>
    /// The spoke stack's template, synthesized in an app of its own (it has no assets, and names no environment), for the home stack's
    /// StackSet to deploy: the same template <c>cdk deploy</c> of the spoke stack deploys.
    /// </summary>
    public static string SpokeTemplate(DeploymentSettings settings)
    {
        var scratch = Directory.CreateTempSubdirectory("amirepl-spoke-");
        try
        {
            var app = new App(new AppProps { Outdir = scratch.FullName, AnalyticsReporting = false });
            var stage = new Stage(app, SpokeStageName);
            var spoke = new SpokeStack(stage, SpokeStackName(settings.StackPrefix), settings);
            Tag(app, settings);
            var assembly = app.Synth().GetNestedAssembly(stage.ArtifactId);
            // Compact: the StackSet holds it inline (TemplateBody takes at most 51,200 bytes).
            return System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(assembly.Directory, spoke.TemplateFile)))!.ToJsonString();
        }
        finally
        {
            scratch.Delete(recursive: true);
        }
    }

    private static void Tag(App app, DeploymentSettings settings)
    {
        Tags.Of(app).Add("application", "ami-replicator");
        if (settings.StackPrefix is { } prefix)
        {
            Tags.Of(app).Add("ami-replicator:deployment", prefix);
        }
    }

    /// <summary>What <c>cdk synth</c> runs: read and validate cdk.json, build the stacks, synthesize. A bad setting ends it with exit code 1 and the field's name.</summary>
    public static int Run(App app, Func<string, string?> environment, TextWriter error)
    {
        try
        {
            var settings = DeploymentSettings.Read(key => app.Node.TryGetContext(key), environment);
            ILambdaPackages packages = environment(PrebuiltLambdaPackages.DirectoryVariable) is { Length: > 0 } prebuilt
                ? new PrebuiltLambdaPackages(prebuilt)
                : Bundled(environment, error);
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

    /// <summary>The functions built here or in the container, whichever this host can do (<see cref="LambdaBundling"/>); says which on stderr.</summary>
    private static BundledLambdaPackages Bundled(Func<string, string?> environment, TextWriter error)
    {
        const string runtime = PublishedLambdaPackages.LambdaRuntimeIdentifier;
        var repository = PublishedLambdaPackages.RepositoryIn(Directory.GetCurrentDirectory());
        var bundling = LambdaBundling.Choose(BuildHost.This(environment), runtime);
        error.WriteLine(bundling.Path == BundlingPath.Local
            ? $"Building the functions for {runtime} here: {bundling.Reason}"
            : $"Building the functions for {runtime} in the Amazon Linux 2023 container with {bundling.ContainerRuntime}: {bundling.Reason}");
        return new BundledLambdaPackages(repository, new PublishedLambdaPackages(repository, runtime, error), bundling, runtime);
    }

    private static StackProps StackProps(DeploymentSettings settings, string region, string description) => new()
    {
        // Without an account the templates stay account-agnostic, so synth needs no credentials.
        Env = new Amazon.CDK.Environment { Account = settings.Account, Region = region },
        Description = description,
    };
}
