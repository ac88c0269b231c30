namespace AmiReplicator.LocalLambda;

/// <summary>What the runtime posted to the Runtime API (a response, an error): the path, the headers and the body.</summary>
public sealed record RecordedPost(string Path, IReadOnlyDictionary<string, string> Headers, string Body);
