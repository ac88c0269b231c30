using System.Text;
using System.Text.Json;

namespace AmiReplicator.LambdaHost;

/// <summary>Writes errors as one JSON line each, so CloudWatch keeps them as a single, queryable event.</summary>
internal static class ErrorLog
{
    public static void Write(TextWriter log, string message, Exception? exception = null, string? requestId = null)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("level", "ERROR");
            json.WriteString("message", message);
            if (requestId is not null)
            {
                json.WriteString("requestId", requestId);
            }

            if (exception is not null)
            {
                json.WriteString("exception", exception.ToString());
            }

            json.WriteEndObject();
        }

        log.WriteLine(Encoding.UTF8.GetString(buffer.ToArray()));
    }
}
