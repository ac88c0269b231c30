using System.CommandLine;
using Amazon;
using Amazon.DynamoDBv2;
using Amazon.Runtime;
using AmiReplicator.DynamoDb;

namespace AmiReplicator.Cli;

/// <summary>`amirepl jobs` and `amirepl counters`: what is in the table, read with the caller's AWS credentials.</summary>
internal static class InspectCommands
{
    private static readonly Option<string> Table = new("--table") { Description = "The deployment's DynamoDB table: the output TableName of its home stack (AmiReplicator, or <stackPrefix>-AmiReplicator).", Required = true };
    private static readonly Option<string> Region = new("--region") { Description = "The home region, where the table is.", DefaultValueFactory = _ => Environment.GetEnvironmentVariable("AWS_REGION") ?? "us-east-1" };
    private static readonly Option<Uri?> Endpoint = new("--endpoint") { Description = "A DynamoDB endpoint other than AWS's (e.g. DynamoDB Local)." };

    public static Command Jobs()
    {
        var state = new Option<string?>("--state") { Description = "Only jobs in this state (WAITING, CLAIMED, COPYING, AVAILABLE, FAILED)." };
        var command = new Command("jobs", "List every copy job: source, destination, state, target image, attempts, last error.") { Table, Region, Endpoint, state };
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var dynamo = Client(parse);
            var jobs = await new CopyJobInspection(dynamo, parse.GetValue(Table)!).ListJobsAsync(cancellationToken);
            var wanted = parse.GetValue(state);
            JobTableView.WriteJobs(Console.Out, wanted is null ? jobs : jobs.Where(j => j.State.ToString().Equals(wanted, StringComparison.OrdinalIgnoreCase)).ToList());
            return 0;
        });
        return command;
    }

    public static Command Counters()
    {
        var command = new Command("counters", "Show the slot counters: copies in flight per destination and per source->destination pair, and the jobs holding them.") { Table, Region, Endpoint };
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var dynamo = Client(parse);
            JobTableView.WriteCounters(Console.Out, await new CopyJobInspection(dynamo, parse.GetValue(Table)!).ListCountersAsync(cancellationToken));
            return 0;
        });
        return command;
    }

    private static AmazonDynamoDBClient Client(ParseResult parse)
    {
        var region = parse.GetValue(Region)!;
        return parse.GetValue(Endpoint) is { } endpoint
            ? new AmazonDynamoDBClient(new BasicAWSCredentials("local", "local"), new AmazonDynamoDBConfig { ServiceURL = endpoint.ToString(), AuthenticationRegion = region })
            : new AmazonDynamoDBClient(RegionEndpoint.GetBySystemName(region));
    }
}
