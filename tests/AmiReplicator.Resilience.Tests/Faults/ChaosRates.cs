namespace AmiReplicator.Resilience.Tests.Faults;

/// <summary>How often each fault strikes a port call, in percent.</summary>
public sealed record ChaosRates(int CrashPercent, int StoreErrorPercent, int GatewayErrorPercent, int DelayPercent);
