using System.Text.Json.Nodes;
using Amazon.CDK;
using Amazon.CDK.Assertions;
using AmiReplicator.Infra;

namespace AmiReplicator.Infra.Tests;

/// <summary>
/// The app as cdk.json configures it, synthesized once for every test of the collection (JSII makes each synth slow).
/// Function packages are small stand-ins: packaging has its own test.
/// </summary>
public class SynthesizedApp : IDisposable
{
    private readonly string _scratch = Directory.CreateTempSubdirectory("infra-tests-").FullName;

    public SynthesizedApp()
        : this(TestContext.FromCdkJson())
    {
    }

    protected SynthesizedApp(Dictionary<string, object> context)
    {
        var app = new App(new AppProps { Context = context, Outdir = Path.Combine(_scratch, "cdk.out") });
        Settings = DeploymentSettings.Read(key => app.Node.TryGetContext(key), _ => null);
        Stacks = ReplicatorApp.Build(app, Settings, new PrebuiltLambdaPackages(StandInPackages(_scratch)));
        var assembly = app.Synth();

        Main = Template.FromStack(Stacks.Main);
        MainJson = ReadTemplate(assembly.Directory, Stacks.Main.TemplateFile);
        Forwarding = Stacks.Forwarding.ToDictionary(s => s.Region, s => Template.FromStack(s));
        ForwardingJson = Stacks.Forwarding.ToDictionary(s => s.Region, s => ReadTemplate(assembly.Directory, s.TemplateFile));
        SpokeJson = Stacks.Spoke is { } spoke ? ReadTemplate(assembly.GetNestedAssembly(Stage.Of(spoke)!.ArtifactId).Directory, spoke.TemplateFile) : null;
    }

    internal DeploymentSettings Settings { get; }

    /// <summary>The cloud assembly's folder: the templates, and the assets as cdk deploy uploads them.</summary>
    public string OutDir => Path.Combine(_scratch, "cdk.out");
    internal ReplicatorStacks Stacks { get; }
    public Template Main { get; }
    public JsonObject MainJson { get; }
    public IReadOnlyDictionary<string, Template> Forwarding { get; }
    public IReadOnlyDictionary<string, JsonObject> ForwardingJson { get; }

    /// <summary>The spoke stack's template; null when the policy has no targets (and so no spoke).</summary>
    public JsonObject? SpokeJson { get; }

    public IEnumerable<JsonObject> AllTemplates => ForwardingJson.Values.Prepend(MainJson).Concat(SpokeJson is null ? [] : [SpokeJson]);

    /// <summary>The resources of one type in the main template, by logical id.</summary>
    public IReadOnlyDictionary<string, JsonObject> MainResources(string type) => Resources(MainJson, type);

    public static IReadOnlyDictionary<string, JsonObject> Resources(JsonObject template, string type) =>
        template["Resources"]!.AsObject()
            .Where(r => (string?)r.Value!["Type"] == type)
            .ToDictionary(r => r.Key, r => r.Value!.AsObject());

    /// <summary>The logical id of the one resource of <paramref name="type"/> whose logical id starts with <paramref name="prefix"/>.</summary>
    public string MainLogicalId(string type, string prefix) => MainResources(type).Keys.Single(k => k.StartsWith(prefix, StringComparison.Ordinal));

    /// <summary>Folders shaped like the real packages (an executable bootstrap each), different so each gets its own asset.</summary>
    public static string StandInPackages(string scratch)
    {
        var root = Path.Combine(scratch, "packages");
        foreach (var function in Enum.GetValues<LambdaFunction>())
        {
            var directory = Directory.CreateDirectory(Path.Combine(root, function.ToString().ToLowerInvariant())).FullName;
            File.WriteAllText(Path.Combine(directory, "bootstrap"), $"#!/bin/sh\n# stand-in for the {function} package\n");
        }

        return root;
    }

    private static JsonObject ReadTemplate(string assemblyDirectory, string templateFile) =>
        JsonNode.Parse(File.ReadAllText(Path.Combine(assemblyDirectory, templateFile)))!.AsObject();

    /// <summary>The template's logical id of a function's role.</summary>
    public string RoleOf(string function) => MainLogicalId("AWS::IAM::Role", char.ToUpperInvariant(function[0]) + function[1..] + "Role");

    public void Dispose()
    {
        Directory.Delete(_scratch, recursive: true);
        GC.SuppressFinalize(this);
    }
}
