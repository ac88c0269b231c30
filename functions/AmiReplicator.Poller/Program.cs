using AmiReplicator.Functions;
using AmiReplicator.LambdaHost;

return await LambdaRuntime.RunAsync(_ =>
{
    var replicator = LambdaEntryPoint.CreateReplicator();
    return Task.FromResult<LambdaHandler>((invocation, cancellationToken) =>
        replicator.Poller.HandleJsonAsync(invocation.Payload, cancellationToken));
});
