using AmiReplicator.Cli;

using var interrupted = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    interrupted.Cancel();
};
return await AmireplCli.RunAsync(args, Console.Out, Console.Error, interrupted.Token);
