using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using AmiReplicator.Domain.Jobs;
using AmiReplicator.Domain.Observability;
using Microsoft.Extensions.Logging;

namespace AmiReplicator.Functions;

/// <summary>
/// One JSON object per line on stdout, written before the call returns: Lambda may freeze the process right after
/// the response, so a queued logger could lose the very line that says why a message failed. Levels carry Lambda's
/// names (INFO, WARN, ERROR, ...), so the function's ApplicationLogLevel filters them. The message's and the enclosing scopes'
/// fields are written as JSON fields (the invocation's <c>requestId</c>, a job's fields wherever a <see cref="CopyJobKey"/> is named:
/// <see cref="JobLogScope.Fields"/>), numbers as numbers; a field without a value is left out.
/// </summary>
public sealed class JsonLineLoggerProvider(TextWriter output, LogLevel minimum = LogLevel.Information) : ILoggerProvider, ISupportExternalScope
{
    /// <summary>Set by Lambda from the function's ApplicationLogLevel (TRACE, DEBUG, INFO, WARN, ERROR, FATAL).</summary>
    public const string LambdaLogLevelVariable = "AWS_LAMBDA_LOG_LEVEL";

    private readonly Lock _gate = new();
    private readonly TextWriter _output = output;
    private readonly LogLevel _minimum = minimum;
    private IExternalScopeProvider _scopes = new LoggerExternalScopeProvider();

    public ILogger CreateLogger(string categoryName) => new JsonLineLogger(this, categoryName);

    public void SetScopeProvider(IExternalScopeProvider scopeProvider) => _scopes = scopeProvider;

    /// <summary>Lambda's level name for a level.</summary>
    public static string LevelName(LogLevel level) => level switch
    {
        LogLevel.Trace => "TRACE",
        LogLevel.Debug => "DEBUG",
        LogLevel.Information => "INFO",
        LogLevel.Warning => "WARN",
        LogLevel.Error => "ERROR",
        _ => "FATAL",
    };

    /// <summary>The level Lambda asks for by name (see <see cref="LambdaLogLevelVariable"/>); Information when absent or unknown.</summary>
    public static LogLevel MinimumFrom(string? lambdaLevel) => lambdaLevel?.ToUpperInvariant() switch
    {
        "TRACE" => LogLevel.Trace,
        "DEBUG" => LogLevel.Debug,
        "WARN" => LogLevel.Warning,
        "ERROR" => LogLevel.Error,
        "FATAL" => LogLevel.Critical,
        _ => LogLevel.Information,
    };

    public void Dispose()
    {
    }

    private sealed class JsonLineLogger(JsonLineLoggerProvider provider, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => provider._scopes.Push(state);

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
                json.WriteString("timestamp", DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture));
                json.WriteString("level", LevelName(logLevel));
                json.WriteString("logger", category);
                json.WriteString("message", formatter(state, exception));
                var written = new HashSet<string>(StringComparer.Ordinal) { "timestamp", "level", "logger", "message" };
                WriteFields(json, state, written);
                var scopes = new List<object?>();
                provider._scopes.ForEachScope((scope, list) => list.Add(scope), scopes);
                for (var i = scopes.Count - 1; i >= 0; i--)
                {
                    WriteFields(json, scopes[i], written);
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

        /// <summary>The fields of a message or scope; the message's, then the innermost scope's win when two name the same field.</summary>
        private static void WriteFields(Utf8JsonWriter json, object? fields, HashSet<string> written)
        {
            if (fields is not IEnumerable<KeyValuePair<string, object?>> pairs)
            {
                return;
            }

            foreach (var (key, value) in pairs)
            {
                if (value is CopyJobKey job)
                {
                    WriteFields(json, JobLogScope.Fields(job), written);
                }
                else if (key != "{OriginalFormat}" && HasValue(value) && written.Add(key))
                {
                    WriteValue(json, key, value!);
                }
            }
        }

        private static bool HasValue(object? value) => value switch
        {
            null => false,
            string text => !string.IsNullOrWhiteSpace(text),
            _ => !string.IsNullOrWhiteSpace(Convert.ToString(value, CultureInfo.InvariantCulture)),
        };

        private static void WriteValue(Utf8JsonWriter json, string key, object value)
        {
            switch (value)
            {
                case bool flag:
                    json.WriteBoolean(key, flag);
                    break;
                case byte or sbyte or short or ushort or int or uint or long:
                    json.WriteNumber(key, Convert.ToInt64(value, CultureInfo.InvariantCulture));
                    break;
                case ulong large:
                    json.WriteNumber(key, large);
                    break;
                case decimal exact:
                    json.WriteNumber(key, exact);
                    break;
                case double or float when double.IsFinite(Convert.ToDouble(value, CultureInfo.InvariantCulture)):
                    json.WriteNumber(key, Convert.ToDouble(value, CultureInfo.InvariantCulture));
                    break;
                case DateTimeOffset instant:
                    json.WriteString(key, instant.ToString("O", CultureInfo.InvariantCulture));
                    break;
                default:
                    json.WriteString(key, Convert.ToString(value, CultureInfo.InvariantCulture));
                    break;
            }
        }
    }
}
