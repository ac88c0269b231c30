namespace AmiReplicator.Infra.Tests;

/// <summary>One request as IAM authorises it: an action on one resource, with the request's condition keys.</summary>
public sealed record IamRequest(string Action, string Resource, IReadOnlyDictionary<string, string[]> Context)
{
    public override string ToString() =>
        $"{Action} on {Resource} with {string.Join(", ", Context.Select(c => $"{c.Key}={string.Join("|", c.Value)}"))}";
}
