using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using Amazon;
using Amazon.DynamoDBv2;
using Amazon.Runtime;
using AmiReplicator.Domain.Observability;
using AmiReplicator.Domain.Policy;
using AmiReplicator.Domain.Workflows;
using AmiReplicator.DynamoDb;
using AmiReplicator.Ec2;
using Microsoft.Extensions.Logging.Abstractions;

namespace AmiReplicator.Cli;

/// <summary>`amirepl prune`: what retention keeps and removes in each destination, and why; removes it unless --dry-run.</summary>
internal static class PruneCommand
{
    public static Command Create()
    {
        var policyFile = new Option<FileInfo>("--policy") { Description = "The policy: cdk.json (its context amiReplicator) or a JSON file holding just the policy.", Required = true };
        var table = new Option<string>("--table") { Description = "The replicator's DynamoDB table (the stack output TableName): removals are noted on the jobs.", Required = true };
        var region = new Option<string>("--region") { Description = "The home region, where the table is.", DefaultValueFactory = _ => Environment.GetEnvironmentVariable("AWS_REGION") ?? "us-east-1" };
        var destinations = new Option<string[]>("--destination") { Description = "Only these destinations (repeat the option); all the policy's when absent.", AllowMultipleArgumentsPerToken = true };
        var dryRun = new Option<bool>("--dry-run") { Description = "Show what would be removed and why; change nothing." };
        var dynamoEndpoint = new Option<Uri?>("--dynamodb-endpoint") { Description = "A DynamoDB endpoint other than AWS's (e.g. DynamoDB Local)." };
        var ec2Endpoint = new Option<Uri?>("--ec2-endpoint") { Description = "An EC2 endpoint other than AWS's (e.g. the simulator)." };
        var command = new Command("prune", "Apply the policy's retention: keep the newest copies of each family per destination, deregister older ones with their snapshots.")
        {
            policyFile, table, region, destinations, dryRun, dynamoEndpoint, ec2Endpoint,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            ReplicationPolicy policy;
            try
            {
                policy = ReplicationPolicy.Parse(PolicyJson(await File.ReadAllTextAsync(parse.GetValue(policyFile)!.FullName, cancellationToken)));
            }
            catch (PolicyException e)
            {
                await Console.Error.WriteLineAsync($"amiReplicator.{e.Field}: {e.Message}");
                return 2;
            }

            if (policy.Retention is null)
            {
                await Console.Error.WriteLineAsync("The policy has no retention: every copy is kept.");
                return 2;
            }

            var home = parse.GetValue(region)!;
            var credentials = parse.GetValue(ec2Endpoint) is null && parse.GetValue(dynamoEndpoint) is null ? null : new BasicAWSCredentials("local", "local");
            using var dynamo = parse.GetValue(dynamoEndpoint) is { } endpoint
                ? new AmazonDynamoDBClient(credentials, new AmazonDynamoDBConfig { ServiceURL = endpoint.ToString(), AuthenticationRegion = home })
                : new AmazonDynamoDBClient(RegionEndpoint.GetBySystemName(home));
            using var clients = new Ec2Clients(parse.GetValue(ec2Endpoint), credentials);
            var gateway = new Ec2ImageGateway(clients);
            var retention = new CopyRetention(new DynamoCopyJobStore(dynamo, parse.GetValue(table)!, NullLogger<DynamoCopyJobStore>.Instance),
                gateway, gateway, policy, NoMetrics.Instance, TimeProvider.System, NullLogger<CopyRetention>.Instance);
            var wanted = parse.GetValue(destinations) is { Length: > 0 } only ? only : policy.Destinations.Select(d => d.Region).ToArray();
            await RunAsync(retention, wanted, parse.GetValue(dryRun), Console.Out, cancellationToken);
            return 0;
        });
        return command;
    }

    /// <summary>Plans each destination, writes what it keeps and removes, then (unless a dry run) removes it.</summary>
    public static async Task RunAsync(CopyRetention retention, IReadOnlyList<string> destinations, bool dryRun, TextWriter output, CancellationToken cancellationToken)
    {
        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"{"DESTINATION",-16} {"FAMILY",-24} {"IMAGE",-22} {"CREATED",-20} {"ACTION",-15} WHY"));
        foreach (var destination in destinations)
        {
            var plan = await retention.PlanAsync(destination, cancellationToken);
            foreach (var d in plan.Decisions)
            {
                var action = d.Action == RetentionAction.Remove ? dryRun ? "would remove" : "remove" : "keep";
                await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                    $"{destination,-16} {d.Family,-24} {d.Copy.ImageId,-22} {d.Copy.CreationDate:yyyy-MM-dd HH:mm,-20} {action,-15} {d.Why}"));
            }

            if (!dryRun)
            {
                var removed = await retention.ApplyAsync(plan, cancellationToken);
                await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"{destination}: {removed} removed with their snapshots"));
            }
        }
    }

    /// <summary>cdk.json holds the policy under context.amiReplicator; any other file is the policy itself.</summary>
    private static string PolicyJson(string text) =>
        JsonNode.Parse(text)?["context"]?["amiReplicator"]?.ToJsonString() ?? text;
}
