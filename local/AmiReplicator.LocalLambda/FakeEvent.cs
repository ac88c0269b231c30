namespace AmiReplicator.LocalLambda;

/// <summary>One invocation as the Runtime API hands it out on next: its request id, payload and deadline, and the headers Lambda adds.</summary>
public sealed record FakeEvent(
    string RequestId,
    string Payload,
    DateTimeOffset Deadline,
    string FunctionArn = "arn:aws:lambda:eu-west-1:123456789012:function:replicate",
    string? TraceId = null);
