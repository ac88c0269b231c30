using Amazon.CDK;
using Constructs;

namespace AmiReplicator.Infra;

/// <summary>
/// Writes suppressions into the resources' <c>cdk_nag.rules_to_suppress</c> metadata, where cdk-nag reads them from the
/// synthesized template (tools/nag runs it there), so every accepted finding travels with its reason. One per stack.
/// </summary>
internal sealed class Nag
{
    private const string MetadataKey = "cdk_nag";
    private const string RegexPrefix = "regex:";

    // Metadata is replaced, not merged, on each write: every suppression of a resource is kept here and written together.
    private readonly Dictionary<string, List<NagSuppression>> _byPath = new(StringComparer.Ordinal);

    /// <summary>Suppresses on <paramref name="construct"/>'s CloudFormation resource (itself, or its default child).</summary>
    public void Suppress(IConstruct construct, params NagSuppression[] suppressions)
    {
        var resource = construct as CfnResource ?? construct.Node.DefaultChild as CfnResource
            ?? throw new ArgumentException($"{construct.Node.Path} has no CloudFormation resource to carry a suppression", nameof(construct));
        foreach (var suppression in suppressions)
        {
            if (string.IsNullOrWhiteSpace(suppression.Reason) || suppression.Reason.Length < 20)
            {
                throw new ArgumentException($"the suppression of {suppression.Id} on {construct.Node.Path} needs a real reason", nameof(suppressions));
            }
        }

        var path = resource.Node.Path;
        if (!_byPath.TryGetValue(path, out var all))
        {
            _byPath[path] = all = [];
        }

        all.AddRange(suppressions);
        resource.AddMetadata(MetadataKey, new Dictionary<string, object>
        {
            ["rules_to_suppress"] = all.Select(ToMetadata).ToArray(),
        });
    }

    private static Dictionary<string, object> ToMetadata(NagSuppression s)
    {
        var entry = new Dictionary<string, object> { ["id"] = s.Id, ["reason"] = s.Reason };
        if (s.AppliesTo.Length > 0)
        {
            entry["applies_to"] = s.AppliesTo
                .Select(a => a.StartsWith(RegexPrefix, StringComparison.Ordinal)
                    ? new Dictionary<string, object> { ["regex"] = a[RegexPrefix.Length..] }
                    : (object)a)
                .ToArray();
        }

        return entry;
    }
}
