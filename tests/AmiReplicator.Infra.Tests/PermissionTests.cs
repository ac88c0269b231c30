using System.Text.Json.Nodes;
using AmiReplicator.Contract;
using AmiReplicator.Infra;
using static AmiReplicator.Infra.Tests.Json;

namespace AmiReplicator.Infra.Tests;

[Collection(SynthesizedAppCollection.Name)]
public sealed class PermissionTests(SynthesizedApp app)
{
    private const string KeyArn = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";

    private static readonly string[] Ec2Actions =
    [
        "ec2:CopyImage", "ec2:CreateTags", "ec2:DeregisterImage", "ec2:DescribeImageAttribute", "ec2:DescribeImages",
        "ec2:DisableImage", "ec2:DisableImageDeprecation", "ec2:DisableImageDeregistrationProtection",
        "ec2:EnableImageDeprecation", "ec2:EnableImageDeregistrationProtection", "ec2:ModifyImageAttribute",
    ];

    [Fact]
    public void No_statement_allows_a_wildcard_action()
    {
        foreach (var template in app.AllTemplates)
        {
            foreach (var statement in Statements(template))
            {
                Assert.DoesNotContain("*", Actions(statement));
                if ((string?)statement["Effect"] == "Allow")
                {
                    // Deny sqs:* (the TLS-only queue policies) is the one wildcard, and it takes away rather than grants.
                    Assert.All(Actions(statement), a => Assert.DoesNotContain("*", a, StringComparison.Ordinal));
                }
            }
        }
    }

    [Theory]
    [InlineData("Dispatcher")]
    [InlineData("Poller")]
    public void Each_function_gets_the_ec2_actions_of_starting_and_finishing_copies_one_by_one(string function)
    {
        var actions = FunctionStatements(function).SelectMany(Actions).Where(a => a.StartsWith("ec2:", StringComparison.Ordinal)).Distinct().Order();
        Assert.Equal(Ec2Actions, actions);
    }

    [Theory]
    [InlineData("Dispatcher")]
    [InlineData("Poller")]
    public void Ec2_grants_stay_in_the_configured_regions(string function)
    {
        string[] configured = ["us-east-1", "us-west-2", "eu-west-1", "eu-central-1", "ap-southeast-2"];
        string[] destinations = ["eu-west-1", "eu-central-1", "ap-southeast-2"];
        foreach (var statement in FunctionStatements(function).Where(s => Actions(s).Any(a => a.StartsWith("ec2:", StringComparison.Ordinal))))
        {
            var resources = Many(statement["Resource"]).Select(ResourceText).ToList();
            if (resources.SequenceEqual(["*"]))
            {
                // Describe calls only, and only in the configured regions.
                Assert.All(Actions(statement), a => Assert.StartsWith("ec2:Describe", a, StringComparison.Ordinal));
                var regions = Many(statement["Condition"]!["StringEquals"]!["aws:RequestedRegion"]).Select(r => (string)r!);
                Assert.Subset(configured.ToHashSet(), regions.ToHashSet());
                continue;
            }

            var allowedRegions = Actions(statement).SequenceEqual(["ec2:CopyImage"]) ? configured : destinations;
            Assert.All(resources, r => Assert.Matches(
                $"^arn:\\{{AWS::Partition\\}}:ec2:({string.Join('|', allowedRegions)})::(image|snapshot)/\\*$", r));
        }
    }

    [Theory]
    [InlineData("Dispatcher")]
    [InlineData("Poller")]
    public void Changing_an_image_needs_the_copy_tag_and_tags_need_it_or_the_copy_being_created(string function)
    {
        foreach (var statement in FunctionStatements(function).Where(s => Actions(s).Any(a => a is "ec2:ModifyImageAttribute" or "ec2:EnableImageDeprecation" or "ec2:DeregisterImage"
            or "ec2:DisableImage" or "ec2:DisableImageDeprecation" or "ec2:EnableImageDeregistrationProtection" or "ec2:DisableImageDeregistrationProtection")))
        {
            Assert.Equal("false", (string?)statement["Condition"]!["Null"]![ReplicatorPermissions.CopyTagCondition]);
        }

        foreach (var statement in FunctionStatements(function).Where(s => Actions(s).Contains("ec2:CreateTags")))
        {
            var condition = statement["Condition"]!;
            Assert.True(
                (string?)condition["StringEquals"]?["ec2:CreateAction"] == "CopyImage" || (string?)condition["Null"]?[ReplicatorPermissions.CopyTagCondition] == "false",
                statement.ToJsonString());
        }
    }

    [Theory]
    [InlineData("Dispatcher")]
    [InlineData("Poller")]
    public void Kms_is_granted_on_the_configured_key_only_with_what_copy_image_needs(string function)
    {
        var kms = FunctionStatements(function).Where(s => Actions(s).Any(a => a.StartsWith("kms:", StringComparison.Ordinal))).ToList();
        Assert.Equal(2, kms.Count);
        Assert.All(kms, s =>
        {
            Assert.Equal([KeyArn], Many(s["Resource"]).Select(r => (string)r!));
            Assert.Equal("ec2.eu-west-1.amazonaws.com", (string?)s["Condition"]!["StringEquals"]!["kms:ViaService"]);
        });
        var grant = kms.Single(s => Actions(s).Contains("kms:CreateGrant"));
        Assert.Equal(["kms:CreateGrant"], Actions(grant));
        Assert.Equal("true", (string?)grant["Condition"]!["Bool"]!["kms:GrantIsForAWSResource"]);
        Assert.Equal(
            ["kms:Decrypt", "kms:DescribeKey", "kms:GenerateDataKey", "kms:GenerateDataKeyWithoutPlaintext", "kms:ReEncryptFrom", "kms:ReEncryptTo"],
            Actions(kms.Single(s => s != grant)).Order());
    }

    [Fact]
    public void Dynamodb_is_granted_on_the_table_and_its_index_only()
    {
        var table = app.MainLogicalId("AWS::DynamoDB::Table", "Jobs");
        foreach (var function in new[] { "Dispatcher", "Poller" })
        {
            var statements = FunctionStatements(function).Where(s => Actions(s).Any(a => a.StartsWith("dynamodb:", StringComparison.Ordinal))).ToList();
            var statement = Assert.Single(statements);
            Assert.Equal(["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query", "dynamodb:UpdateItem"], Actions(statement).Order());
            var resources = Many(statement["Resource"]).Select(r => r!.ToJsonString()).ToList();
            Assert.Equal(2, resources.Count);
            Assert.Contains(GetAttJson(table), resources);
            Assert.Contains(resources, r => r.Contains(GetAttJson(table), StringComparison.Ordinal) && r.Contains($"/index/{JobTableSchema.ActiveIndexName}", StringComparison.Ordinal));
        }
    }

    [Fact]
    public void Sqs_is_granted_on_the_request_queue_only()
    {
        var queue = app.MainLogicalId("AWS::SQS::Queue", "RequestQueue");
        var sqs = app.MainResources("AWS::IAM::Policy").Keys.SelectMany(p => PolicyStatements(app.MainJson, p))
            .Where(s => Actions(s).Any(a => a.StartsWith("sqs:", StringComparison.Ordinal))).ToList();
        var statement = Assert.Single(sqs);
        Assert.Equal(GetAttJson(queue), Assert.Single(Many(statement["Resource"]))!.ToJsonString());
    }

    [Fact]
    public void Logs_are_written_to_the_functions_own_log_groups_only()
    {
        foreach (var function in new[] { "Dispatcher", "Poller" })
        {
            var logs = Assert.Single(FunctionStatements(function), s => Actions(s).Any(a => a.StartsWith("logs:", StringComparison.Ordinal)));
            Assert.Equal(GetAttJson(app.MainLogicalId("AWS::Logs::LogGroup", function + "Logs")), Assert.Single(Many(logs["Resource"]))!.ToJsonString());
        }
    }

    [Fact]
    public void The_roles_use_no_managed_policies()
    {
        Assert.All(app.MainResources("AWS::IAM::Role").Values, r => Assert.Null(r["Properties"]!["ManagedPolicyArns"]));
    }

    /// <summary>The statements of every IAM policy attached to the function's role.</summary>
    private IEnumerable<JsonObject> FunctionStatements(string function)
    {
        var role = app.MainLogicalId("AWS::IAM::Role", function + "Role");
        return app.MainResources("AWS::IAM::Policy")
            .Where(p => Many(p.Value["Properties"]!["Roles"]).Any(r => (string?)r!["Ref"] == role))
            .SelectMany(p => PolicyStatements(app.MainJson, p.Key));
    }

    private static string GetAttJson(string logicalId) => new JsonObject { ["Fn::GetAtt"] = new JsonArray(logicalId, "Arn") }.ToJsonString();

    /// <summary>A resource as text, with Fn::Join flattened and Ref written as {Name}.</summary>
    private static string ResourceText(JsonNode resource) => resource switch
    {
        JsonValue v => (string)v!,
        JsonObject o when o["Fn::Join"] is JsonArray join => string.Concat(join[1]!.AsArray().Select(p => ResourceText(p!))),
        JsonObject o when o["Ref"] is { } name => $"{{{(string)name!}}}",
        _ => resource.ToJsonString(),
    };
}
