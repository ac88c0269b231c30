using System.Text.Json.Nodes;
using AmiReplicator.Ec2Simulator.Model;

namespace AmiReplicator.Ec2Simulator.Api;

/// <summary>
/// KMS (<c>X-Amz-Target: TrentService.Action</c>) for the one KMS call the replicator makes: DescribeKey. Keys live in the same
/// model as EC2's, so a key EC2 cannot use is one KMS refuses to describe.
/// </summary>
internal sealed class KmsJsonEndpoint(Ec2Cloud cloud) : JsonProtocolEndpoint(cloud, "kms", "TrentService.")
{
    protected override JsonObject Handle(string action, CallerIdentity caller, string region, JsonObject body) => action switch
    {
        "DescribeKey" => DescribeKey(caller, region, Text(body, "KeyId")
            ?? throw new Ec2Exception("ValidationException", "1 validation error detected: Value null at 'keyId' failed to satisfy constraint: Member must not be null")),
        _ => throw new Ec2Exception("UnknownOperationException", $"Operation {action} is not modelled by the simulator."),
    };

    private JsonObject DescribeKey(CallerIdentity caller, string region, string keyId)
    {
        var key = Cloud.DescribeKey(caller, region, keyId);
        return new JsonObject
        {
            ["KeyMetadata"] = new JsonObject
            {
                ["AWSAccountId"] = key.AccountId,
                ["Arn"] = key.Arn,
                ["KeyId"] = key.KeyId,
                ["Enabled"] = true,
                ["KeyState"] = "Enabled",
                ["KeyManager"] = key.KeyManager,
                ["KeyUsage"] = "ENCRYPT_DECRYPT",
                ["KeySpec"] = "SYMMETRIC_DEFAULT",
                ["Origin"] = "AWS_KMS",
                ["MultiRegion"] = false,
            },
        };
    }
}
