using System.Text.Json;
using System.Text.Json.Nodes;
using AmiReplicator.Ec2Simulator.Model;
using Microsoft.AspNetCore.Http;

namespace AmiReplicator.Ec2Simulator.Api;

/// <summary>
/// Parameter Store's side of the endpoint: SSM's JSON protocol (<c>X-Amz-Target: AmazonSSM.{Action}</c>, JSON 1.1 bodies, errors as
/// <c>{"__type","message"}</c>), region from the SigV4 scope as for EC2. No behaviour lives here beyond translating fields.
/// </summary>
internal sealed class SsmJsonEndpoint(Ec2Cloud cloud)
{
    public const string TargetPrefix = "AmazonSSM.";

    public static bool Serves(HttpRequest request) =>
        request.Headers["X-Amz-Target"].ToString().StartsWith(TargetPrefix, StringComparison.Ordinal);

    public async Task HandleAsync(HttpContext context)
    {
        var action = context.Request.Headers["X-Amz-Target"].ToString()[TargetPrefix.Length..];
        using var reader = new StreamReader(context.Request.Body);
        var body = JsonNode.Parse(await reader.ReadToEndAsync(context.RequestAborted) is { Length: > 0 } text ? text : "{}") as JsonObject ?? [];
        string? region = null;
        JsonObject answer;
        var status = StatusCodes.Status200OK;
        try
        {
            region = SigV4Scope.RegionOf(context.Request.Headers.Authorization)
                ?? throw new SsmException("UnrecognizedClientException", "Authorization header with a SigV4 credential scope is required.");
            cloud.BeginCall(region, $"ssm:{action}");
            answer = Handle(action, region, body);
        }
        catch (Ec2Exception error)
        {
            // The region's access and injected faults, checked for every call as EC2 checks them.
            (answer, status) = (Error(error.Code, error.Message), error.StatusCode);
        }
        catch (SsmException error)
        {
            if (region is not null)
            {
                cloud.RecordError(region, error.Code);
            }

            (answer, status) = (Error(error.Code, error.Message), error.StatusCode);
        }

        context.Response.StatusCode = status;
        context.Response.ContentType = "application/x-amz-json-1.1";
        context.Response.Headers["x-amzn-RequestId"] = Guid.NewGuid().ToString();
        await context.Response.WriteAsync(answer.ToJsonString(), context.RequestAborted);
    }

    private JsonObject Handle(string action, string region, JsonObject body)
    {
        switch (action)
        {
            case "PutParameter":
                var version = cloud.PutParameter(region, new PutParameterInput(
                    Text(body, "Name"), Text(body, "Value"), Text(body, "Type"), Text(body, "DataType"), body["Overwrite"]?.GetValue<bool>(), Text(body, "Description")));
                return new JsonObject { ["Version"] = version, ["Tier"] = "Standard" };
            case "GetParameter":
                var parameter = cloud.GetParameter(region, Text(body, "Name") ?? throw SsmErrors.Validation("Name is required."));
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
                throw new SsmException("InvalidAction", $"The action {action} is not simulated.");
        }
    }

    private static string? Text(JsonObject body, string field) => body[field]?.GetValueKind() == JsonValueKind.String ? body[field]!.GetValue<string>() : null;

    private static JsonObject Error(string code, string message) => new() { ["__type"] = code, ["message"] = message };
}
