using Microsoft.Extensions.Logging;

namespace AmiReplicator.Functions;

/// <summary>What both Lambda entry points do at start: read the settings, wire the replicator, log as JSON lines.</summary>
public static class LambdaEntryPoint
{
    public static Replicator CreateReplicator()
    {
        var logging = LoggerFactory.Create(builder => builder.AddProvider(new JsonLineLoggerProvider(Console.Out)));
        return new Replicator(ReplicatorSettings.FromEnvironment(Environment.GetEnvironmentVariable), TimeProvider.System, logging);
    }
}
