using Amazon.CDK;
using AmiReplicator.Infra;

// Before the App: the CDK's Node process starts with it and takes this process's environment then.
if (LambdaBundling.CdkDockerToSet(BuildHost.This(System.Environment.GetEnvironmentVariable)) is { } runtime)
{
    System.Environment.SetEnvironmentVariable("CDK_DOCKER", runtime);
}

return ReplicatorApp.Run(new App(), System.Environment.GetEnvironmentVariable, Console.Error);
