using System.Text.Json.Nodes;
using AmiReplicator.Ec2Simulator.Model;

namespace AmiReplicator.Ec2Simulator.Api;

/// <summary>Parameter Store (<c>X-Amz-Target: AmazonSSM.{Action}</c>): the parameters' writes and reads.</summary>
internal sealed class SsmJsonEndpoint(Ec2Cloud cloud) : JsonProtocolEndpoint(cloud, "ssm", "AmazonSSM.")
{
    protected override JsonObject Handle(string action, CallerIdentity caller, string region, JsonObject body)
    {
        switch (action)
        {
            case "PutParameter":
                var version = Cloud.PutParameter(caller.AccountId, region, new PutParameterInput(
                    Text(body, "Name"), Text(body, "Value"), Text(body, "Type"), Text(body, "DataType"), body["Overwrite"]?.GetValue<bool>(), Text(body, "Description")));
                return new JsonObject { ["Version"] = version, ["Tier"] = "Standard" };
            case "GetParameter":
                var parameter = Cloud.GetParameter(caller.AccountId, region, Text(body, "Name") ?? throw SsmErrors.Validation("Name is required."));
                return new JsonObject
                {
                    ["Parameter"] = new JsonObject
                    {
                        ["Name"] = parameter.Name,
                        ["Type"] = parameter.Type,
                        ["Value"] = parameter.Value,
                        ["Version"] = parameter.Version,
                        ["LastModifiedDate"] = parameter.LastModifiedDate.ToUnixTimeMilliseconds() / 1000.0,
                        ["ARN"] = parameter.Arn,
                        ["DataType"] = parameter.DataType,
                    },
                };
            default:
                throw new Ec2Exception("InvalidAction", $"The action {action} is not simulated.");
        }
    }
}
