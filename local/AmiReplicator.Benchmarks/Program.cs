using BenchmarkDotNet.Running;

// dotnet run -c Release --project local/AmiReplicator.Benchmarks -- --filter '*'
// dotnet run -c Release --project local/AmiReplicator.Benchmarks -- reads --jobs 10000   (the operator's reads on DynamoDB Local)
if (args.Length > 0 && args[0] == "reads")
{
    await AmiReplicator.Benchmarks.ReadCost.RunAsync(args[1..]);
}
else
{
    BenchmarkSwitcher.FromAssembly(typeof(AmiReplicator.Benchmarks.BenchmarkWorld).Assembly).Run(args);
}
