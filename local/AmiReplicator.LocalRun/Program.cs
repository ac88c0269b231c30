using System.CommandLine;
using AmiReplicator.LocalRun;

var root = new RootCommand("AmiReplicator on the local cloud (DynamoDB Local, moto, the EC2 simulator): the main job and the burst benchmark.")
{
    LocalRunCommand.Create(),
    BurstCommand.Create(),
};

// Ctrl-C (or SIGTERM) ends a run cleanly: the commands stop, and the local cloud's servers are stopped with them.
using var interrupted = new CancellationTokenSource();
using var onInterrupt = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGINT, Stop);
using var onTerminate = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, Stop);
return await root.Parse(args).InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null }, interrupted.Token);

void Stop(System.Runtime.InteropServices.PosixSignalContext context)
{
    context.Cancel = true;
    interrupted.Cancel();
}
