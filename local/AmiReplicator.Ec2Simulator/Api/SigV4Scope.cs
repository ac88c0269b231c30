using System.Text.RegularExpressions;

namespace AmiReplicator.Ec2Simulator.Api;

/// <summary>
/// The region a request is for: one endpoint serves every region, so the region comes from the SigV4
/// credential scope (<c>Credential=AKID/20261125/eu-west-1/ec2/aws4_request</c>). Signatures are not checked.
/// </summary>
internal static partial class SigV4Scope
{
    public static string? RegionOf(string? authorizationHeader) =>
        authorizationHeader is not null && CredentialScope().Match(authorizationHeader) is { Success: true } match
            ? match.Groups["region"].Value
            : null;

    [GeneratedRegex(@"Credential=[^/,\s]+/[0-9]{8}/(?<region>[a-z0-9-]+)/[a-z0-9-]+/aws4_request")]
    private static partial Regex CredentialScope();
}
