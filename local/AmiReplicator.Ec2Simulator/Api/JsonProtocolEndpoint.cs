using System.Text.Json;
using System.Text.Json.Nodes;
using AmiReplicator.Ec2Simulator.Model;

namespace AmiReplicator.Ec2Simulator.Api;

/// <summary>
/// The AWS JSON 1.1 protocol on the simulator's endpoint, for the services that answer beside EC2 (KMS, Parameter Store):
/// <c>X-Amz-Target: {prefix}{Action}</c>, JSON bodies, errors as <c>{"__type","message"}</c>, the region from the SigV4 scope
/// and the caller's credentials, the region's access and injected faults checked for every call as EC2 checks them. A service's side only translates fields.
/// </summary>
internal abstract class JsonProtocolEndpoint(Ec2Cloud cloud, string service, string targetPrefix)
{
    protected Ec2Cloud Cloud { get; } = cloud;

    public bool Accepts(HttpContext context) =>
        context.Request.Headers["X-Amz-Target"].ToString().StartsWith(targetPrefix, StringComparison.Ordinal);

    public async Task HandleAsync(HttpContext context)
    {
        var action = context.Request.Headers["X-Amz-Target"].ToString()[targetPrefix.Length..];
        using var reader = new StreamReader(context.Request.Body);
        var text = await reader.ReadToEndAsync(context.RequestAborted);
        string? region = null;
        JsonObject answer;
        var status = StatusCodes.Status200OK;
        try
        {
            var scope = SigV4Scope.Of(context.Request.Headers.Authorization)
                ?? throw new Ec2Exception("UnrecognizedClientException", "The security token included in the request is invalid.");
            region = scope.Region;
            var caller = Cloud.BeginCall(scope, $"{service}:{action}");
            answer = Handle(action, caller, region, JsonNode.Parse(text.Length > 0 ? text : "{}") as JsonObject ?? []);
        }
        catch (Ec2Exception error)
        {
            if (region is not null)
            {
                Cloud.RecordError(region, error.Code);
            }

            answer = new JsonObject { ["__type"] = error.Code, ["message"] = error.Message };
            status = error.StatusCode;
            context.Response.Headers["x-amzn-ErrorType"] = error.Code;
        }

        context.Response.StatusCode = status;
        context.Response.ContentType = "application/x-amz-json-1.1";
        context.Response.Headers["x-amzn-RequestId"] = Guid.NewGuid().ToString();
        await context.Response.WriteAsync(answer.ToJsonString(JsonSerializerOptions.Default), context.RequestAborted);
    }

    /// <summary>Performs the action on the model and returns its answer's body.</summary>
    protected abstract JsonObject Handle(string action, CallerIdentity caller, string region, JsonObject body);

    protected static string? Text(JsonObject body, string field) =>
        body[field] is JsonValue value && value.GetValueKind() == JsonValueKind.String ? value.GetValue<string>() : null;
}
