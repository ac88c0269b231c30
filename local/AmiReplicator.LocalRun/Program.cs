using System.CommandLine;
using AmiReplicator.LocalRun;

var root = new RootCommand("AmiReplicator on the local cloud (DynamoDB Local, moto, the EC2 simulator): the main job and the burst benchmark.")
{
    LocalRunCommand.Create(),
    BurstCommand.Create(),
};
return await root.Parse(args).InvokeAsync();
