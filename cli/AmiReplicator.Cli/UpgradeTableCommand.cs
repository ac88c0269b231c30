using System.CommandLine;
using AmiReplicator.Aws.DynamoDb;

namespace AmiReplicator.Cli;

/// <summary>
/// `amirepl upgrade-table`: once, after deploying the version that reads jobs by state and destination, gives the jobs written
/// before it the index attributes (and, with <c>jobRetentionDays</c>, their expiry), so `status` and `list` count and list them.
/// </summary>
internal static class UpgradeTableCommand
{
    public static Command Create(TextWriter output)
    {
        var command = new Command("upgrade-table", "Once after upgrading: index the jobs written by earlier versions (one scan of the table), so status and "
            + "list find them; with jobRetentionDays, ended ones get their expiry. Safe to run again, and while the replicator runs.");
        command.SetAction(async (parse, cancellationToken) =>
        {
            await using var aws = AwsSession.From(parse);
            var deployment = await aws.DeploymentAsync(parse, cancellationToken);
            var retention = deployment.RequirePolicy("upgrade-table").JobRetention;
            var indexed = await new JobIndexBackfill(aws.Ports(deployment).DynamoDb, deployment.TableName).RunAsync(retention, cancellationToken);
            if (GlobalOptions.Structured(parse))
            {
                CliJson.Write(parse, output, new { tableName = deployment.TableName, jobsIndexed = indexed });
            }
            else
            {
                output.WriteLine($"Indexed {indexed} {(indexed == 1 ? "job" : "jobs")} written before the state index in {deployment.TableName}.");
            }

            return ExitCodes.Done;
        });
        return command;
    }
}
