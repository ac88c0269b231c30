namespace AmiReplicator.Infra;

/// <summary>
/// A cdk-nag finding accepted on purpose; <see cref="AppliesTo"/> narrows it to the listed findings (e.g. one IAM wildcard),
/// each given exactly or, prefixed with <c>regex:</c>, as a JavaScript regular expression literal.
/// </summary>
internal sealed record NagSuppression(string Id, string Reason, params string[] AppliesTo);
