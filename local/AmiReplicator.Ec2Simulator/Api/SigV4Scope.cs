using System.Text.RegularExpressions;
using AmiReplicator.Ec2Simulator.Model;

namespace AmiReplicator.Ec2Simulator.Api;

/// <summary>
/// Who a request is from and what for: one endpoint serves every region, account and service, so they come from the SigV4
/// credential scope (<c>Credential=AKID/20261125/eu-west-1/ec2/aws4_request</c>). Signatures are not checked.
/// </summary>
internal static partial class SigV4Scope
{
    public static CallScope? Of(string? authorizationHeader) =>
        authorizationHeader is not null && CredentialScope().Match(authorizationHeader) is { Success: true } match
            ? new CallScope(match.Groups["key"].Value, match.Groups["region"].Value, match.Groups["service"].Value)
            : null;

    [GeneratedRegex(@"Credential=(?<key>[^/,\s]+)/[0-9]{8}/(?<region>[a-z0-9-]+)/(?<service>[a-z0-9-]+)/aws4_request")]
    private static partial Regex CredentialScope();
}
