using System.Text.Json.Nodes;

namespace AmiReplicator.Infra.Tests;

/// <summary>
/// A large deployment: four source regions and seventeen destinations, each encrypting with its own KMS key (one named by
/// alias), and the 2,000 target accounts a policy may name, in two of them (two spoke role names, one target with its own key and
/// the latest-copy parameter, within an organization; the home account named, as targets need): the size the stack's policies and the functions' environment
/// must hold without passing IAM's and Lambda's limits.
/// </summary>
public sealed class LargeConfigurationApp() : SynthesizedApp(WithAssetMetadata(TestContext.WithHomeAccount(IamPolicySimulator.Account, TestContext.WithPolicy(policy =>
{
    policy["sourceRegions"] = new JsonArray([.. Sources.Select(r => JsonValue.Create(r))]);
    policy["destinations"] = new JsonArray([.. Destinations.Select((r, i) => (JsonNode)new JsonObject
    {
        ["region"] = r,
        ["encrypted"] = true,
        ["kmsKeyId"] = i == 0 ? "alias/ami-copies" : KeyArn(r, i),
    })]);
    policy["retention"] = new JsonObject { ["keepLatest"] = 3.0, ["familyNamePrefixes"] = new JsonArray("golden-al2023-") };
    policy["latestCopyParameter"] = "/amirepl/latest/{family}";
    policy["launchTemplates"] = new JsonObject();
    policy["organizationId"] = Organization;
    policy["targets"] = new JsonArray(
        new JsonObject
        {
            ["accounts"] = new JsonArray([.. ManyAccounts.Select(a => JsonValue.Create(a))]),
            ["regions"] = new JsonArray("eu-west-1", "ap-south-1"),
        },
        new JsonObject
        {
            ["accounts"] = new JsonArray("121212121212"),
            ["organizationalUnits"] = new JsonArray("ou-a1b2-12345678"),
            ["regions"] = new JsonArray("eu-west-1"),
            ["roleName"] = "GoldenSpoke",
            ["kmsKeys"] = new JsonObject { ["eu-west-1"] = "alias/golden" },
            ["latestCopyParameter"] = true,
        });
}))))
{
    public const string Organization = "o-a1b2c3d4e5";

    /// <summary>The accounts of the first target: two named ones, and as many more as make the policy's 2,000.</summary>
    public static readonly string[] ManyAccounts =
        ["444455556666", "777788889999", .. Enumerable.Range(0, 1_997).Select(i => (200_000_000_000L + (i * 7_919L)).ToString(System.Globalization.CultureInfo.InvariantCulture))];

    public static readonly string[] Sources = ["us-east-1", "us-east-2", "us-west-1", "us-west-2"];

    public static readonly string[] Destinations =
    [
        "af-south-1", "ap-east-1", "ap-south-1", "ap-south-2", "ap-southeast-1", "ap-southeast-2", "ap-southeast-3", "ap-northeast-1",
        "ap-northeast-2", "ap-northeast-3", "ca-central-1", "eu-central-1", "eu-west-1", "eu-west-2", "eu-west-3", "eu-north-1", "sa-east-1",
    ];

    public static string KeyArn(string region, int i) => $"arn:aws:kms:{region}:111122223333:key/{i:D8}-12ab-34cd-56ef-1234567890ab";

    /// <summary>As `cdk synth` sets it: each resource made from an asset names the asset's folder, so a test can read what is deployed.</summary>
    private static Dictionary<string, object> WithAssetMetadata(Dictionary<string, object> context)
    {
        context["aws:cdk:enable-asset-metadata"] = true;
        return context;
    }
}
