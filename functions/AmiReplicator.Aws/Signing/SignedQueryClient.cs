using System.Globalization;
using System.Net.Http.Headers;
using System.Security.Cryptography;
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
        var identity = await (credentials ?? await Amazon.Runtime.Credentials.DefaultAWSCredentialsIdentityResolver.GetCredentialsAsync(null)).GetCredentialsAsync();
        Sign(request, body, region, identity, clock.GetUtcNow());

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

    /// <summary>Signature Version 4 of a POST whose only signed headers are host, x-amz-date and (with a session) x-amz-security-token.</summary>
    private void Sign(HttpRequestMessage request, string body, string region, ImmutableCredentials identity, DateTimeOffset now)
    {
        var uri = request.RequestUri ?? throw new InvalidOperationException("a request has an address");
        var amzDate = now.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
        var day = amzDate[..8];
        var host = uri.IsDefaultPort ? uri.Host : $"{uri.Host}:{uri.Port}";
        var headers = new SortedDictionary<string, string>(StringComparer.Ordinal) { ["host"] = host, ["x-amz-date"] = amzDate };
        if (identity.UseToken)
        {
            headers["x-amz-security-token"] = identity.Token;
        }

        var signedHeaders = string.Join(';', headers.Keys);
        var canonical = string.Join('\n', "POST", uri.AbsolutePath, "", string.Concat(headers.Select(h => $"{h.Key}:{h.Value}\n")), signedHeaders, Hex(SHA256.HashData(Encoding.UTF8.GetBytes(body))));
        var scope = $"{day}/{region}/{service}/aws4_request";
        var toSign = string.Join('\n', "AWS4-HMAC-SHA256", amzDate, scope, Hex(SHA256.HashData(Encoding.UTF8.GetBytes(canonical))));
        var key = new[] { day, region, service, "aws4_request" }.Aggregate(Encoding.UTF8.GetBytes("AWS4" + identity.SecretKey), (k, part) => HMACSHA256.HashData(k, Encoding.UTF8.GetBytes(part)));
        var signature = Hex(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(toSign)));

        foreach (var (name, value) in headers.Where(h => h.Key != "host"))
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        request.Headers.TryAddWithoutValidation("Authorization", $"AWS4-HMAC-SHA256 Credential={identity.AccessKey}/{scope}, SignedHeaders={signedHeaders}, Signature={signature}");
    }

    private static string Hex(byte[] bytes) => Convert.ToHexStringLower(bytes);

    public void Dispose() => _http.Dispose();
}
