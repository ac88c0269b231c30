using AmiReplicator.LambdaHost;
using Microsoft.Extensions.Logging;

namespace AmiReplicator.Functions;

/// <summary>What both Lambda entry points do: read the settings, wire the replicator, log as JSON lines, serve invocations.</summary>
public static class LambdaEntryPoint
{
    public static Task<int> RunAsync(Func<Replicator, Func<string, CancellationToken, Task<string>>> handlerOf) =>
        LambdaRuntime.RunAsync(_ =>
        {
            var minimum = JsonLineLoggerProvider.MinimumFrom(Environment.GetEnvironmentVariable(JsonLineLoggerProvider.LambdaLogLevelVariable));
            var logging = LoggerFactory.Create(builder => builder.SetMinimumLevel(minimum).AddProvider(new JsonLineLoggerProvider(Console.Out, minimum)));
            var replicator = new Replicator(ReplicatorSettings.FromEnvironment(Environment.GetEnvironmentVariable), TimeProvider.System, logging, metrics: Console.Out);
            var handle = handlerOf(replicator);
            return Task.FromResult<LambdaHandler>(async (invocation, cancellationToken) =>
            {
                using var scope = replicator.BeginInvocation(invocation.RequestId);
                return await handle(invocation.Payload, cancellationToken);
            });
        });
}
