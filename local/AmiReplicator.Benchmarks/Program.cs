using BenchmarkDotNet.Running;

// dotnet run -c Release --project local/AmiReplicator.Benchmarks -- --filter '*'
BenchmarkSwitcher.FromAssembly(typeof(AmiReplicator.Benchmarks.BenchmarkWorld).Assembly).Run(args);
