using AmiReplicator.Functions;

return await LambdaEntryPoint.RunAsync(replicator => replicator.Poller.HandleJsonAsync);
