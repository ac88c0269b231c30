using System.Text.Json.Nodes;
using Amazon.CDK;
using AmiReplicator.Contract;
using AmiReplicator.Domain.Policy;
using AmiReplicator.Infra;
using Xunit.Abstractions;

namespace AmiReplicator.Infra.Tests;

/// <summary>IAM allows a role 10,240 characters of inline policies: large configurations fit, and one that would not fails synth.</summary>
[Collection(SynthesizedAppCollection.Name)]
public sealed class PolicySizeTests(SynthesizedApp shipped, LargeConfigurationApp large, ITestOutputHelper output) : IClassFixture<LargeConfigurationApp>
{
    [Fact]
    public void The_shipped_configuration_takes_a_fraction_of_the_limit()
    {
        foreach (var (function, role) in new[] { ("dispatcher", shipped.Stacks.Main.Dispatcher.Role!), ("poller", shipped.Stacks.Main.Poller.Role!) })
        {
            var estimate = PolicySize.Measure(role).Sum(s => s.Characters);
            output.WriteLine($"{function}: about {estimate} of {PolicySize.MaxInlinePolicyCharacters} characters");
            Assert.InRange(estimate, 1, PolicySize.MaxInlinePolicyCharacters / 3);
        }
    }

    [Theory]
    [InlineData(ReplicatorFunctions.Dispatcher)]
    [InlineData(ReplicatorFunctions.Poller)]
    public void Four_sources_and_seventeen_destinations_with_their_own_keys_fit(string function)
    {
        var role = function == ReplicatorFunctions.Dispatcher ? large.Stacks.Main.Dispatcher.Role! : large.Stacks.Main.Poller.Role!;
        var estimate = PolicySize.Measure(role).Sum(s => s.Characters);
        output.WriteLine($"{function}: about {estimate} of {PolicySize.MaxInlinePolicyCharacters} characters");
        Assert.InRange(estimate, 1, PolicySize.MaxInlinePolicyCharacters);

        // The estimate takes every deploy-time value at its longest: never below what the template holds once resolved.
        var resolved = large.MainResources("AWS::IAM::Policy").Values
            .Where(p => Json.Many(p["Properties"]!["Roles"]).Any(r => (string?)r!["Ref"] == large.RoleOf(function)))
            .Sum(p => p["Properties"]!["PolicyDocument"]!.ToJsonString().Length);
        Assert.True(estimate >= resolved * 9 / 10, $"estimate {estimate}, template {resolved}");
    }

    [Fact]
    public void With_two_thousand_target_accounts_the_policy_is_a_layers_file_and_the_functions_environment_stays_within_Lambdas_4_KB()
    {
        Assert.Equal(ReplicationPolicy.MaxTargetAccounts, large.Settings.Policy.Targets.SelectMany(t => t.Accounts).Distinct().Count());
        var (layerId, layer) = Assert.Single(large.MainResources("AWS::Lambda::LayerVersion"));
        foreach (var function in large.MainResources("AWS::Lambda::Function").Values.Select(f => f["Properties"]!))
        {
            var variables = function["Environment"]!["Variables"]!.AsObject();
            Assert.False(variables.ContainsKey(FunctionEnvironment.Policy));
            Assert.Equal(FunctionEnvironment.PolicyLayerPath, (string?)variables[FunctionEnvironment.PolicyFile]);
            // Lambda counts every key and value; a reference resolves to a table name or a queue URL, well under 256 characters.
            var bytes = variables.Sum(v => v.Key.Length + (v.Value is JsonValue value ? value.ToString().Length : 256));
            output.WriteLine($"environment: about {bytes} of 4,096 bytes");
            Assert.InRange(bytes, 1, 4_096);
            Assert.Equal(layerId, (string?)function["Layers"]![0]!["Ref"]);
        }

        // The layer deploys the policy as validated, with every account.
        var file = Path.Combine(large.OutDir, (string)layer["Metadata"]!["aws:asset:path"]!, FunctionEnvironment.PolicyLayerPath["/opt/".Length..]);
        var deployed = ReplicationPolicy.Parse(File.ReadAllText(file));
        Assert.Equal(large.Settings.Policy.Targets.SelectMany(t => t.Accounts), deployed.Targets.SelectMany(t => t.Accounts));

        // The deployment parameter (8 KB at most) leaves it out: the CLI is given it with --policy-file. The shipped one carries it.
        // Its value is a Fn::Join of literal JSON and references (the table, the queue): the literal parts hold the field names.
        static string ParameterValue(SynthesizedApp app) => string.Concat(
            Json.Many(Assert.Single(app.MainResources("AWS::SSM::Parameter").Values)["Properties"]!["Value"]!["Fn::Join"]![1]).Select(p => p is JsonValue text ? (string?)text : "(ref)"));
        var policyField = $"\"{DeploymentParameter.Policy}\":";
        Assert.Contains(policyField, ParameterValue(shipped), StringComparison.Ordinal);
        Assert.DoesNotContain(policyField, ParameterValue(large), StringComparison.Ordinal);
    }

    [Fact]
    public void A_configuration_whose_policies_would_not_fit_fails_synth_naming_the_cause()
    {
        var regions = AwsRegions.Known.Where(r => r != "us-east-1" && !r.StartsWith("cn-", StringComparison.Ordinal) && !r.StartsWith("us-gov-", StringComparison.Ordinal)).Order().ToList();
        var context = TestContext.WithPolicy(policy =>
        {
            policy["sourceRegions"] = new JsonArray("us-east-1");
            policy["destinations"] = new JsonArray([.. regions.Select((r, i) => (JsonNode)new JsonObject
            {
                ["region"] = r,
                ["encrypted"] = true,
                ["kmsKeyId"] = $"{i:D8}-12ab-34cd-56ef-1234567890ab",
            })]);
        });
        var error = new StringWriter();
        var scratch = Directory.CreateTempSubdirectory("infra-size-").FullName;
        try
        {
            var exitCode = ReplicatorApp.Run(new App(new AppProps { Context = context, Outdir = Path.Combine(scratch, "cdk.out") }),
                name => name == PrebuiltLambdaPackages.DirectoryVariable ? SynthesizedApp.StandInPackages(scratch) : null, error);
            Assert.Equal(1, exitCode);
        }
        finally
        {
            Directory.Delete(scratch, recursive: true);
        }

        output.WriteLine(error.ToString());
        Assert.Contains("amiReplicator.destinations: the dispatcher's IAM policies would take about", error.ToString(), StringComparison.Ordinal);
        Assert.Contains("EncryptCopiesWithDestinationKeys", error.ToString(), StringComparison.Ordinal);
        Assert.Contains("10,240", error.ToString(), StringComparison.Ordinal);
    }
}
