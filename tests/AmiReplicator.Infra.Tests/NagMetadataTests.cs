using System.Text.Json.Nodes;

namespace AmiReplicator.Infra.Tests;

/// <summary>tools/nag runs cdk-nag over the templates; here: that what it reads (each suppression and its reason) is in them.</summary>
[Collection(SynthesizedAppCollection.Name)]
public sealed class NagMetadataTests(SynthesizedApp app)
{
    [Fact]
    public void Every_suppression_names_a_rule_and_gives_a_reason()
    {
        var suppressions = Suppressions().ToList();
        Assert.NotEmpty(suppressions);
        Assert.All(suppressions, s =>
        {
            Assert.Matches("^(AwsSolutions|Serverless)-[A-Za-z0-9]+$", (string)s["id"]!);
            Assert.True(((string)s["reason"]!).Length >= 40, s.ToJsonString());
        });
    }

    [Fact]
    public void Wildcard_resource_suppressions_apply_only_to_the_listed_findings()
    {
        Assert.All(Suppressions().Where(s => (string?)s["id"] == "AwsSolutions-IAM5"), s => Assert.NotEmpty(s["applies_to"]!.AsArray()));
    }

    [Fact]
    public void The_data_is_never_suppressed_away()
    {
        string[] neverSuppressed = ["AwsSolutions-DDB3", "AwsSolutions-SQS2", "AwsSolutions-SQS4", "AwsSolutions-IAM4", "Serverless-LambdaDefaultMemorySize", "Serverless-LambdaDefaultTimeout"];
        Assert.DoesNotContain(Suppressions(), s => neverSuppressed.Contains((string?)s["id"]));
    }

    private IEnumerable<JsonObject> Suppressions() =>
        app.AllTemplates
            .SelectMany(t => t["Resources"]!.AsObject())
            .Select(r => r.Value!["Metadata"]?["cdk_nag"]?["rules_to_suppress"])
            .OfType<JsonArray>()
            .SelectMany(a => a)
            .Select(s => s!.AsObject());
}
