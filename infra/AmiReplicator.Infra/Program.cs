using Amazon.CDK;
using AmiReplicator.Infra;

return ReplicatorApp.Run(new App(), System.Environment.GetEnvironmentVariable, Console.Error);
