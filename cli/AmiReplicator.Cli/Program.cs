using System.CommandLine;
using AmiReplicator.Cli;

var root = new RootCommand("AmiReplicator: replicate every new AMI to its destination regions within EC2's copy limits.")
{
    InspectCommands.Jobs(),
    InspectCommands.Counters(),
    RequestCommand.Create(),
    PruneCommand.Create(),
};
return await root.Parse(args).InvokeAsync();
