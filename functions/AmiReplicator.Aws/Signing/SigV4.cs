using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Amazon.Runtime;

namespace AmiReplicator.Aws.Signing;

/// <summary>
/// Signature Version 4 of a POST whose only signed headers are host, x-amz-date and (with a session) x-amz-security-token: what the
/// signed clients of services without an SDK package here need (<see cref="SignedQueryClient"/>, <see cref="SignedJsonClient"/>).
/// </summary>
internal static class SigV4
{
    /// <summary>Resolves the credentials (the default chain when none are given) and signs the request for the service in the region.</summary>
    public static async Task SignAsync(HttpRequestMessage request, string body, string service, string region, AWSCredentials? credentials, DateTimeOffset now)
    {
        var identity = await (credentials ?? await Amazon.Runtime.Credentials.DefaultAWSCredentialsIdentityResolver.GetCredentialsAsync(null)).GetCredentialsAsync();
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
}
