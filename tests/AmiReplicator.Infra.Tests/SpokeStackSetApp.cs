using System.Text.Json.Nodes;
using AmiReplicator.Infra;

namespace AmiReplicator.Infra.Tests;

/// <summary>
/// Target accounts outside any named organization, with the spoke deployed as the home stack's StackSet into their OU: the bus
/// policy names each account, and the StackSet only they get. They are in share mode: they launch the home account's copies.
/// </summary>
public sealed class SpokeStackSetApp() : SynthesizedApp(Context())
{
    public const string OrganizationalUnit = "ou-abcd-12345678";

    public static readonly string[] Accounts = ["111111111111", "222222222222"];

    public static readonly string[] Regions = ["eu-west-1", "eu-central-1"];

    private static Dictionary<string, object> Context()
    {
        var context = TestContext.WithHomeAccount(IamPolicySimulator.Account, TestContext.WithPolicy(policy => policy["targets"] = new JsonArray(
            new JsonObject
            {
                ["accounts"] = new JsonArray([.. Accounts.Select(a => JsonValue.Create(a))]),
                ["regions"] = new JsonArray([.. Regions.Select(r => JsonValue.Create(r))]),
                ["mode"] = "share"
            })));
        context[SpokeSettings.Key] = new Dictionary<string, object> { ["stackSet"] = true, ["organizationalUnitIds"] = new object[] { OrganizationalUnit } };
        return context;
    }
}
