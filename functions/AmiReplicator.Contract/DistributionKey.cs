namespace AmiReplicator.Contract;

/// <summary>
/// The key the home account's copies are encrypted with in a region its target accounts copy from, when the policy names no key
/// there: a customer managed key the stack makes in that region, whose key policy lets the target accounts use it through EC2. The
/// account's <c>aws/ebs</c> key, which an encrypted copy would get otherwise, cannot be shared with another account.
/// </summary>
public static class DistributionKey
{
    /// <summary>The key's alias in every region of a deployment (one alias per deployment: two deployments share no key).</summary>
    public static string AliasFor(string deployment) => $"alias/amireplicator/{deployment}/distribution";
}
