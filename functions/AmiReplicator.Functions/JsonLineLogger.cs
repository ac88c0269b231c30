using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace AmiReplicator.Functions;

/// <summary>
/// One JSON object per line on stdout, written before the call returns: Lambda may freeze the process right after
/// the response, so a queued logger could lose the very line that says why a message failed.
/// </summary>
public sealed class JsonLineLoggerProvider(TextWriter output, LogLevel minimum = LogLevel.Information) : ILoggerProvider
{
    private readonly Lock _gate = new();
    private readonly TextWriter _output = output;
    private readonly LogLevel _minimum = minimum;

    public ILogger CreateLogger(string categoryName) => new JsonLineLogger(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class JsonLineLogger(JsonLineLoggerProvider provider, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= provider._minimum && logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel))
            {
                return;
            }

            using var buffer = new MemoryStream();
            using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
            {
                json.WriteStartObject();
                json.WriteString("timestamp", DateTimeOffset.UtcNow.ToString("O", System.Globalization.CultureInfo.InvariantCulture));
                json.WriteString("level", logLevel.ToString());
                json.WriteString("logger", category);
                json.WriteString("message", formatter(state, exception));
                if (state is IEnumerable<KeyValuePair<string, object?>> fields)
                {
                    foreach (var (key, value) in fields)
                    {
                        if (key != "{OriginalFormat}")
                        {
                            json.WriteString(key, Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture));
                        }
                    }
                }

                if (exception is not null)
                {
                    json.WriteString("errorType", exception.GetType().FullName);
                    json.WriteString("stackTrace", exception.ToString());
                }

                json.WriteEndObject();
            }

            var line = System.Text.Encoding.UTF8.GetString(buffer.ToArray());
            lock (provider._gate)
            {
                provider._output.WriteLine(line);
                provider._output.Flush();
            }
        }
    }
}
