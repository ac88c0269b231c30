namespace AmiReplicator.Contract;

/// <summary>A metric the functions publish (CloudWatch embedded metric format) and the stack's alarms and dashboard read.</summary>
/// <param name="Unit">A CloudWatch unit name.</param>
/// <param name="AlsoUndimensioned">
/// Also published without the destination dimension, so one alarm covers every destination: true where a sum (counts) or a
/// maximum (ages) over destinations means something, false for levels per destination (copies in flight, jobs waiting).
/// </param>
public sealed record MetricDefinition(string Name, string Unit, bool AlsoUndimensioned);
