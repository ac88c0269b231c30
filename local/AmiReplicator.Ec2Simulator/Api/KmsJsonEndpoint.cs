using System.Text.Json;
using System.Text.Json.Nodes;
using AmiReplicator.Ec2Simulator.Model;
using Microsoft.AspNetCore.Http;

namespace AmiReplicator.Ec2Simulator.Api;

/// <summary>
/// KMS's JSON protocol (<c>X-Amz-Target: TrentService.Action</c>) on the simulator's endpoint, for the one KMS call the
/// replicator makes: DescribeKey. Keys live in the same model as EC2's, so a key EC2 cannot use is one KMS refuses to describe.
/// </summary>
internal sealed class KmsJsonEndpoint(Ec2Cloud cloud)
{
    public const string TargetPrefix = "TrentService.";

    public static bool Accepts(HttpContext context) =>
        context.Request.Headers["X-Amz-Target"].ToString().StartsWith(TargetPrefix, StringComparison.Ordinal);

    public async Task HandleAsync(HttpContext context)
    {
        JsonObject answer;
        int status;
        try
        {
            var region = SigV4Scope.RegionOf(context.Request.Headers.Authorization)
                ?? throw new Ec2Exception("UnrecognizedClientException", "The security token included in the request is invalid.");
            var action = context.Request.Headers["X-Amz-Target"].ToString()[TargetPrefix.Length..];
            cloud.BeginCall(region, $"kms:{action}");
            var request = await JsonNode.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted) as JsonObject ?? [];
            answer = action switch
            {
                "DescribeKey" => DescribeKey(region, request["KeyId"]?.GetValue<string>()
                    ?? throw new Ec2Exception("ValidationException", "1 validation error detected: Value null at 'keyId' failed to satisfy constraint: Member must not be null")),
                _ => throw new Ec2Exception("UnknownOperationException", $"Operation {action} is not modelled by the simulator."),
            };
            status = StatusCodes.Status200OK;
        }
        catch (Ec2Exception error)
        {
            answer = new JsonObject { ["__type"] = error.Code, ["message"] = error.Message };
            status = error.StatusCode;
            context.Response.Headers["x-amzn-ErrorType"] = error.Code;
        }

        context.Response.StatusCode = status;
        context.Response.ContentType = "application/x-amz-json-1.1";
        context.Response.Headers["x-amzn-RequestId"] = Guid.NewGuid().ToString();
        await context.Response.WriteAsync(answer.ToJsonString(JsonSerializerOptions.Default), context.RequestAborted);
    }

    private JsonObject DescribeKey(string region, string keyId)
    {
        var key = cloud.DescribeKey(region, keyId);
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
