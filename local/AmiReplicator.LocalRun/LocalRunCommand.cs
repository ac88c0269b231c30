using System.CommandLine;
using Amazon.EC2;
using Amazon.EC2.Model;
using AmiReplicator.Cli;
using AmiReplicator.Contract;
using AmiReplicator.Domain.Jobs;
using AmiReplicator.LocalCloud;

namespace AmiReplicator.LocalRun;

/// <summary>
/// `amirepl-local run`: the main job on the local cloud. Sample AMIs are registered in two source regions; their
/// EC2 events go through an EventBridge rule with the stack's pattern to the request queue, the real dispatcher
/// and poller handle them, and virtual time runs a minute at a time until every copy is done.
/// </summary>
internal static class LocalRunCommand
{
    private const string Policy = """
        {"destinations":[{"region":"eu-west-1","maxInFlight":2},{"region":"eu-central-1"},{"region":"ap-southeast-2","maxInFlightPerSource":1}],
         "sourceRegions":["us-east-1","us-west-2"],
         "tags":{"copied-by":"ami-replicator"}}
        """;

    private static readonly string[] Destinations = ["eu-west-1", "eu-central-1", "ap-southeast-2"];
    private static readonly string[] Sources = ["us-east-1", "us-west-2"];

    /// <summary>After the run, without --pace: a copy (5 virtual minutes) takes a few real seconds.</summary>
    private static readonly TimeSpan KeepRunningMinute = TimeSpan.FromSeconds(1);

    public static Command Create()
    {
        var amis = new Option<int>("--amis") { Description = "Sample AMIs to register in each source region.", DefaultValueFactory = _ => 3 };
        var pace = new Option<double>("--pace") { Description = "Real seconds per virtual minute (0: as fast as it goes), to watch it or ask amirepl during the run.", DefaultValueFactory = _ => 0 };
        var keepRunning = new Option<bool>("--keep-running")
        {
            Description = "After the run, keep the functions handling requests (a virtual minute per real second, or per --pace) until Ctrl-C, for amirepl.",
        };
        var command = new Command("run", "Replicate sample AMIs through the real handlers on the local cloud (DynamoDB Local, moto, the EC2 simulator), "
            + "showing progress per destination, and print what happened.") { amis, pace, keepRunning };
        command.SetAction((parse, cancellationToken) =>
            RunAsync(parse.GetValue(amis), TimeSpan.FromSeconds(Math.Max(0, parse.GetValue(pace))), parse.GetValue(keepRunning), Console.Out, cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(int amisPerRegion, TimeSpan pace, bool keepRunning, TextWriter output, CancellationToken cancellationToken)
    {
        output.WriteLine("Starting the local cloud (DynamoDB Local, moto) ...");
        await using var servers = await LocalCloudServers.StartAsync();
        await using var local = await LocalReplication.StartAsync(servers, Policy);
        using var http = new HttpClient();
        var triggers = await LocalTriggers.StartAsync(local, http, servers.MotoUrl, Sources, Destinations);

        output.WriteLine($"DynamoDB Local {servers.DynamoDbUrl}, moto {servers.MotoUrl}, EC2 simulator {local.Simulator.Endpoint}, table {local.Replicator.Settings.TableName}");
        output.WriteLine($"Policy: {Policy.ReplaceLineEndings(" ")}");
        // Published as the stack publishes it, so that amirepl finds this deployment by itself.
        await local.PublishDeploymentAsync(DeploymentParameter.DefaultName);
        output.WriteLine("amirepl sees it, during the run (with --pace) or after it (with --keep-running):");
        output.WriteLine($"  amirepl status --region {LocalReplication.Home} --endpoint-url dynamodb={servers.DynamoDbUrl} --endpoint-url sqs={servers.MotoUrl} "
            + $"--endpoint-url ssm={local.Simulator.Endpoint} --endpoint-url ec2={local.Simulator.Endpoint}");

        foreach (var region in Sources)
        {
            for (var i = 1; i <= amisPerRegion; i++)
            {
                var imageId = await RegisterSampleAsync(local, region, $"golden-{region}-{i}", cancellationToken);
                output.WriteLine($"Registered {imageId} in {region}");
            }
        }

        var minute = 0;
        var view = new WatchView(local.Replicator.Settings.Policy, AccountFilter.Any);
        view.Update([], [], local.Clock.GetUtcNow());
        await WatchDisplay.RunAsync(output, CliConsole.IsTerminal(output), view, async () =>
        {
            // EC2's events (the AMIs registered, and the copies' own) go to the bus; the rules decide what is enqueued.
            await triggers.DeliverAsync();
            var jobs = await local.JobsAsync();
            view.Update(jobs, await local.CountersAsync(), local.Clock.GetUtcNow());
            if ((jobs.Count > 0 && jobs.All(j => j.State.IsTerminal())) || ++minute > 180)
            {
                return false;
            }

            await Task.Delay(pace, cancellationToken);
            await triggers.NextMinuteAsync(cancellationToken);
            return true;
        });

        var final = await local.JobsAsync();
        var counters = await local.CountersAsync();
        output.WriteLine();
        JobTableView.WriteJobs(output, final);
        output.WriteLine();
        StatusCommand.WriteTables(output, StatusCommand.Lines(JobCensus.Of(final), counters, local.Replicator.Settings.Policy, AccountFilter.Any, local.Clock.GetUtcNow()));
        output.WriteLine();
        var peaks = string.Join(", ", Destinations.Select(d => $"{d} {local.Simulator.PeakPendingCopies(d)}"));
        output.WriteLine($"Most copies in flight at once: {peaks}. ResourceLimitExceeded answered: {Destinations.Sum(d => local.Simulator.ErrorCount(d, "ResourceLimitExceeded"))}.");

        var ok = final.Count == amisPerRegion * Sources.Length * Destinations.Length && final.All(j => j.State == CopyJobState.Available) && counters.All(c => c.InFlight == 0);
        output.WriteLine(ok ? "Every copy is AVAILABLE and every counter is back at 0." : "Not every copy finished: see the table above and the errors below.");
        foreach (var line in local.Log.ToString().Split('\n').Where(l => l.Contains("\"level\":\"ERROR\"", StringComparison.Ordinal) || l.Contains("\"level\":\"WARN\"", StringComparison.Ordinal)))
        {
            output.WriteLine(line);
        }

        if (keepRunning)
        {
            var virtualMinute = pace > TimeSpan.Zero ? pace : KeepRunningMinute;
            output.WriteLine($"The functions keep running for amirepl (the command above: replicate, retry, cancel, backfill, watch, ...), a virtual "
                + $"minute every {virtualMinute.TotalSeconds.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture)} s, until Ctrl-C.");
            await triggers.RunUntilStoppedAsync(virtualMinute, output, cancellationToken);
        }

        return ok ? 0 : 1;
    }

    private static async Task<string> RegisterSampleAsync(LocalReplication local, string region, string name, CancellationToken cancellationToken)
    {
        var ec2 = local.Ec2(region);
        var imageId = (await ec2.RegisterImageAsync(new RegisterImageRequest
        {
            Name = name,
            Description = $"Sample image {name}",
            RootDeviceName = "/dev/xvda",
            BlockDeviceMappings = [new BlockDeviceMapping { DeviceName = "/dev/xvda", Ebs = new EbsBlockDevice { VolumeSize = 8 } }],
            TagSpecifications = [new TagSpecification { ResourceType = ResourceType.Image, Tags = [new Tag("team", "platform"), new Tag("os", "al2023")] }],
        }, cancellationToken)).ImageId;
        await ec2.ModifyImageAttributeAsync(new ModifyImageAttributeRequest
        {
            ImageId = imageId,
            LaunchPermission = new LaunchPermissionModifications { Add = [new LaunchPermission { UserId = "111122223333" }] },
        }, cancellationToken);
        return imageId;
    }
}
