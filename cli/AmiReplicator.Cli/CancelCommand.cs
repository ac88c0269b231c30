using System.CommandLine;
using Amazon;
using Amazon.DynamoDBv2;
using Amazon.Runtime;
using AmiReplicator.Domain.Jobs;
using AmiReplicator.Domain.Workflows;
using AmiReplicator.DynamoDb;
using AmiReplicator.Ec2;
using Microsoft.Extensions.Logging.Abstractions;

namespace AmiReplicator.Cli;

/// <summary>`amirepl cancel`: stops a copy in flight (its target deregistered with its snapshots); the poller ends the job CANCELLED.</summary>
internal static class CancelCommand
{
    public static Command Create()
    {
        var table = new Option<string>("--table") { Description = "The replicator's DynamoDB table (the stack output TableName).", Required = true };
        var region = new Option<string>("--region") { Description = "The home region, where the table is.", DefaultValueFactory = _ => Environment.GetEnvironmentVariable("AWS_REGION") ?? "us-east-1" };
        var sourceRegion = new Option<string>("--source-region") { Required = true };
        var image = new Option<string>("--image") { Description = "The source AMI id.", Required = true };
        var destination = new Option<string>("--destination") { Required = true };
        var dynamoEndpoint = new Option<Uri?>("--endpoint") { Description = "A DynamoDB endpoint other than AWS's (e.g. DynamoDB Local)." };
        var ec2Endpoint = new Option<Uri?>("--ec2-endpoint") { Description = "An EC2 endpoint other than AWS's (e.g. the simulator)." };
        var command = new Command("cancel", "Stop a copy in flight: deregister its target with its snapshots; the job ends CANCELLED on the poller's next pass.")
        {
            table, region, sourceRegion, image, destination, dynamoEndpoint, ec2Endpoint,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var home = parse.GetValue(region)!;
            var local = parse.GetValue(dynamoEndpoint) is not null || parse.GetValue(ec2Endpoint) is not null
                ? new BasicAWSCredentials("local", "local")
                : null;
            using var dynamo = parse.GetValue(dynamoEndpoint) is { } endpoint
                ? new AmazonDynamoDBClient(local, new AmazonDynamoDBConfig { ServiceURL = endpoint.ToString(), AuthenticationRegion = home })
                : new AmazonDynamoDBClient(RegionEndpoint.GetBySystemName(home));
            using var ec2 = new Ec2Clients(parse.GetValue(ec2Endpoint), local);
            var stopper = new CopyStopper(new DynamoCopyJobStore(dynamo, parse.GetValue(table)!, NullLogger<DynamoCopyJobStore>.Instance), new Ec2ImageGateway(ec2));
            var result = await stopper.StopAsync(new CopyJobKey(parse.GetValue(sourceRegion)!, parse.GetValue(image)!, parse.GetValue(destination)!), cancellationToken);
            await (result.Stopped ? Console.Out : Console.Error).WriteLineAsync(result.Message);
            return result.Stopped ? 0 : 1;
        });
        return command;
    }
}
