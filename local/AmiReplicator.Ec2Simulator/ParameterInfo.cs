namespace AmiReplicator.Ec2Simulator;

/// <summary>An SSM parameter as GetParameter answers it.</summary>
public sealed record ParameterInfo(string Name, string Type, string DataType, string Value, long Version, DateTimeOffset LastModifiedDate, string Arn);
