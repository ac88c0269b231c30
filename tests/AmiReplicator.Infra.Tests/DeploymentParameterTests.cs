using System.Text.Json;
using System.Text.Json.Nodes;
using AmiReplicator.Contract;
using AmiReplicator.Domain.Jobs;
using AmiReplicator.Domain.Policy;
using static AmiReplicator.Infra.Tests.Json;

namespace AmiReplicator.Infra.Tests;

/// <summary>The parameter the operator CLI finds the deployment by.</summary>
[Collection(SynthesizedAppCollection.Name)]
public sealed class DeploymentParameterTests(SynthesizedApp app)
{
    [Fact]
    public void The_stack_publishes_its_table_queue_home_region_account_and_policy_in_one_parameter()
    {
        var parameter = Assert.Single(app.MainResources("AWS::SSM::Parameter").Values)["Properties"]!;
        Assert.Equal(DeploymentParameter.DefaultName, (string?)parameter["Name"]);
        Assert.Equal("String", (string?)parameter["Type"]);
        Assert.Equal("Intelligent-Tiering", (string?)parameter["Tier"]);

        // The value joins the table's and the queue's references into the JSON: resolve them to their logical ids.
        var value = JsonNode.Parse(Resolve(parameter["Value"]!))!.AsObject();
        Assert.Equal(app.MainLogicalId("AWS::DynamoDB::Table", "Jobs"), (string?)value[DeploymentParameter.TableName]);
        Assert.Equal(app.MainLogicalId("AWS::SQS::Queue", "RequestQueue"), (string?)value[DeploymentParameter.RequestQueueUrl]);
        Assert.Equal(app.Settings.HomeRegion, (string?)value[DeploymentParameter.HomeRegion]);
        // The account given to synth, else CloudFormation's pseudo parameter (whose Ref resolves to its name here).
        Assert.Equal(app.Settings.Account ?? "AWS::AccountId", (string?)value[DeploymentParameter.AccountId]);
        Assert.Equal(ProvenanceTags.DefaultDeployment, (string?)value[DeploymentParameter.Deployment]);
        var policy = ReplicationPolicy.Parse((string)value[DeploymentParameter.Policy]!);
        Assert.Equal(app.Settings.Policy.Destinations.Select(d => d.Region), policy.Destinations.Select(d => d.Region));
    }

    [Fact]
    public void Reading_the_parameter_is_the_operators_permission_not_the_functions()
    {
        var grants = app.MainResources("AWS::IAM::Policy").Values
            .SelectMany(p => Many(p["Properties"]!["PolicyDocument"]!["Statement"]))
            .SelectMany(s => Many(s["Action"]))
            .Select(a => (string)a!);
        Assert.DoesNotContain(grants, a => a.StartsWith("ssm:", StringComparison.Ordinal));
    }

    /// <summary>A template string: literals as they are, a Ref as its logical id, Fn::Join joined.</summary>
    private static string Resolve(JsonNode node) => node switch
    {
        JsonValue literal => literal.GetValue<string>(),
        JsonObject o when o["Ref"] is { } reference => (string)reference!,
        JsonObject o when o["Fn::GetAtt"] is JsonArray getAtt => (string)getAtt[0]!,
        JsonObject o when o["Fn::Join"] is JsonArray join =>
            string.Join((string)join[0]!, join[1]!.AsArray().Select(part => Resolve(part!))),
        _ => throw new JsonException($"not a template string: {node.ToJsonString()}"),
    };
}
