using System.Reflection;
using System.Text.Json.Nodes;
using Amazon.CDK;
using Amazon.CDK.Assertions;
using AmiReplicator.Infra;

namespace AmiReplicator.Infra.Tests;

/// <summary>CDK context as the app gets it: from the repository's cdk.json, or made up by a test.</summary>
internal static class TestContext
{
    public static string RepositoryRoot { get; } = LocalCloud.RepositoryRoot.Find(
        typeof(TestContext).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "RepositoryRoot").Value);

    /// <summary>The "context" object of cdk.json, as plain dictionaries, lists and scalars.</summary>
    public static Dictionary<string, object> FromCdkJson()
    {
        var cdkJson = JsonNode.Parse(File.ReadAllText(Path.Combine(RepositoryRoot, "cdk.json")))!;
        return (Dictionary<string, object>)ToPlain(cdkJson["context"])!;
    }

    /// <summary>The cdk.json policy with <paramref name="change"/> applied to a copy of it.</summary>
    public static Dictionary<string, object> WithPolicy(Action<JsonObject> change)
    {
        var cdkJson = JsonNode.Parse(File.ReadAllText(Path.Combine(RepositoryRoot, "cdk.json")))!;
        var context = cdkJson["context"]!.AsObject();
        change(context[DeploymentSettings.PolicyKey]!.AsObject());
        return (Dictionary<string, object>)ToPlain(context)!;
    }

    /// <summary><paramref name="context"/> with the home account named (which a policy with targets needs).</summary>
    public static Dictionary<string, object> WithHomeAccount(string account, Dictionary<string, object> context)
    {
        context[DeploymentSettings.AccountKey] = account;
        return context;
    }

    public static object? ToPlain(JsonNode? node) => node switch
    {
        null => null,
        JsonObject o => o.ToDictionary(p => p.Key, p => ToPlain(p.Value)!),
        JsonArray a => a.Select(ToPlain).ToArray(),
        // As JSII hands context over: every number a double.
        JsonValue v when v.TryGetValue<double>(out var d) => d,
        JsonValue v when v.TryGetValue<bool>(out var b) => b,
        _ => node.GetValue<string>(),
    };

    /// <summary>Builds the app for <paramref name="context"/> with stand-in packages: its stacks and their templates.</summary>
    public static (ReplicatorStacks Stacks, Template Main, IReadOnlyDictionary<string, Template> Forwarding, Amazon.CDK.Assertions.Annotations MainAnnotations) Synthesize(
        Dictionary<string, object> context)
    {
        var scratch = Directory.CreateTempSubdirectory("infra-config-").FullName;
        try
        {
            var app = new App(new AppProps { Context = context, Outdir = Path.Combine(scratch, "cdk.out") });
            var stacks = ReplicatorApp.Build(app, DeploymentSettings.Read(key => app.Node.TryGetContext(key), _ => null),
                new PrebuiltLambdaPackages(SynthesizedApp.StandInPackages(scratch)));
            return (stacks, Template.FromStack(stacks.Main), stacks.Forwarding.ToDictionary(s => s.Region, s => Template.FromStack(s)), Amazon.CDK.Assertions.Annotations.FromStack(stacks.Main));
        }
        finally
        {
            Directory.Delete(scratch, recursive: true);
        }
    }

    public static DeploymentSettings Settings(IReadOnlyDictionary<string, object> context, string? defaultRegion = null) =>
        DeploymentSettings.Read(key => context.GetValueOrDefault(key), name => name == "CDK_DEFAULT_REGION" ? defaultRegion : null);
}
