using System.Net.Http.Headers;
using System.Text;
using System.Xml.Linq;
using Amazon.Runtime;

namespace AmiReplicator.Aws.Signing;

/// <summary>
/// The AWS Query protocol (a form-encoded POST, an XML answer) signed with Signature Version 4, over AWSSDK.Core's credentials, for
/// the few calls of services whose SDK package is not available here (CloudWatch). Swap it for the service's package (e.g.
/// AWSSDK.CloudWatch's <c>PutMetricDataAsync</c>) where that package can be had: nothing else changes.
/// </summary>
internal sealed class SignedQueryClient(string service, string hostPrefix, Uri? endpoint, AWSCredentials? credentials, TimeProvider clock) : IDisposable
{
    private readonly HttpClient _http = new();

    /// <summary>Sends the action with its parameters in the region; answers the XML EC2-style services return, or throws with AWS's code.</summary>
    public async Task<XDocument> SendAsync(string region, string action, string version, IReadOnlyList<(string Name, string Value)> parameters,
        CancellationToken cancellationToken)
    {
        var target = endpoint ?? new Uri($"https://{hostPrefix}.{region}.amazonaws.com/");
        var body = string.Join('&', new[] { ("Action", action), ("Version", version) }.Concat(parameters)
            .Select(p => $"{Uri.EscapeDataString(p.Item1)}={Uri.EscapeDataString(p.Item2)}"));
        using var request = new HttpRequestMessage(HttpMethod.Post, target) { Content = new StringContent(body, Encoding.UTF8) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/x-www-form-urlencoded") { CharSet = "utf-8" };
        await SigV4.SignAsync(request, body, service, region, credentials, clock.GetUtcNow());

        using var response = await _http.SendAsync(request, cancellationToken);
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        var xml = XDocument.Parse(text);
        if (!response.IsSuccessStatusCode)
        {
            var code = xml.Descendants().FirstOrDefault(e => e.Name.LocalName == "Code")?.Value ?? response.StatusCode.ToString();
            var message = xml.Descendants().FirstOrDefault(e => e.Name.LocalName == "Message")?.Value ?? text;
            throw new AmazonServiceException(message, null, ErrorType.Unknown, code, null, response.StatusCode);
        }

        return xml;
    }

    public void Dispose() => _http.Dispose();
}
