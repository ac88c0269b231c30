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

    public static Command Create()
    {
        var amis = new Option<int>("--amis") { Description = "Sample AMIs to register in each source region.", DefaultValueFactory = _ => 3 };
        var pace = new Option<double>("--pace") { Description = "Real seconds per virtual minute (0: as fast as it goes), to watch it or ask amirepl during the run.", DefaultValueFactory = _ => 0 };
        var keepRunning = new Option<bool>("--keep-running") { Description = "Keep the local cloud up after the run, until Ctrl-C, for amirepl." };
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
        // EC2's events from every source region arrive on the home region's bus (the stack forwards them there; moto's
        // own bus-to-bus forwarding drops the events' resources, so the local run puts them on the home bus directly).
        var bus = await LocalEventBus.CreateAsync(http, servers.MotoUrl, LocalReplication.Home, local.Replicator.Settings.TableName);
        // The stack's two rules: new AMIs of the sources to the request queue; copies ending in the destinations to the poller,
        // here through the same queue (the dispatcher finishes a copy on its own event as the poller does).
        await bus.RouteToQueueAsync("new-ami", AmiEventPatterns.SourceChanged.ToJson(Sources), local.Queues.QueueArn);
        await bus.RouteToQueueAsync("copy-finished", AmiEventPatterns.CopyFinished.ToJson(Destinations), local.Queues.QueueArn);

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

        var forwarded = 0;
        var minute = 0;
        var view = new WatchView(local.Replicator.Settings.Policy, AccountFilter.Any);
        view.Update([], [], local.Clock.GetUtcNow());
        await WatchDisplay.RunAsync(output, CliConsole.IsTerminal(output), view, async () =>
        {
            // EC2's events (the AMIs registered, and the copies' own) go to the bus; the rule decides what is enqueued.
            var changes = local.Simulator.StateChanges();
            foreach (var change in changes.Skip(forwarded))
            {
                await bus.PutAsync(change.ToEventBridgeJson());
            }

            forwarded = changes.Count;
            await local.DeliverAsync();
            var jobs = await local.JobsAsync();
            view.Update(jobs, await local.CountersAsync(), local.Clock.GetUtcNow());
            if ((jobs.Count > 0 && jobs.All(j => j.State.IsTerminal())) || ++minute > 180)
            {
                return false;
            }

            await Task.Delay(pace, cancellationToken);
            local.Clock.Advance(TimeSpan.FromMinutes(1));
            await local.RunPollerAsync(cancellationToken);
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
            output.WriteLine("The local cloud stays up for amirepl (the command above) until Ctrl-C.");
            try
            {
                await Task.Delay(Timeout.Infinite, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                // Ctrl-C: stop the servers.
            }
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
