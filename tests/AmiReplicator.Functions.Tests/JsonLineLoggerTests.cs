using System.Text.Json;
using AmiReplicator.Domain.Jobs;
using AmiReplicator.Domain.Observability;
using AmiReplicator.Functions;
using Microsoft.Extensions.Logging;

namespace AmiReplicator.Functions.Tests;

public class JsonLineLoggerTests
{
    private static (ILogger Log, StringWriter Output) Logger(LogLevel minimum = LogLevel.Information)
    {
        var output = new StringWriter();
        var factory = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Trace).AddProvider(new JsonLineLoggerProvider(output, minimum)));
        return (factory.CreateLogger("test"), output);
    }

    private static List<JsonElement> Lines(StringWriter output) =>
        output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();

    [Theory]
    [InlineData(LogLevel.Trace, "TRACE")]
    [InlineData(LogLevel.Debug, "DEBUG")]
    [InlineData(LogLevel.Information, "INFO")]
    [InlineData(LogLevel.Warning, "WARN")]
    [InlineData(LogLevel.Error, "ERROR")]
    [InlineData(LogLevel.Critical, "FATAL")]
    public void Levels_carry_the_names_Lambda_filters_on(LogLevel level, string name)
    {
        var (log, output) = Logger(LogLevel.Trace);
        log.Log(level, "something {Count}", 3);

        var line = Assert.Single(Lines(output));
        Assert.Equal(name, line.GetProperty("level").GetString());
        Assert.Equal("something 3", line.GetProperty("message").GetString());
        Assert.Equal(3, line.GetProperty("Count").GetInt32());
    }

    [Theory]
    [InlineData("WARN", LogLevel.Warning)]
    [InlineData("debug", LogLevel.Debug)]
    [InlineData(null, LogLevel.Information)]
    [InlineData("LOUD", LogLevel.Information)]
    public void The_minimum_level_follows_the_functions_ApplicationLogLevel(string? lambdaLevel, LogLevel expected) =>
        Assert.Equal(expected, JsonLineLoggerProvider.MinimumFrom(lambdaLevel));

    [Fact]
    public void Lines_below_the_minimum_are_not_written()
    {
        var (log, output) = Logger(LogLevel.Warning);
        log.LogInformation("quiet");
        log.LogWarning("loud");

        Assert.Equal(["loud"], Lines(output).Select(l => l.GetProperty("message").GetString()));
    }

    [Fact]
    public void Every_line_inside_a_job_scope_names_the_job_its_source_image_and_both_regions()
    {
        var (log, output) = Logger();
        var key = new CopyJobKey("us-east-1", "ami-0123456789abcdef0", "eu-west-1");
        using (log.BeginJobScope(key))
        {
            log.LogInformation("inside");
        }

        log.LogInformation("outside");

        var (inside, outside) = (Lines(output)[0], Lines(output)[1]);
        Assert.Equal(key.HolderId, inside.GetProperty("JobId").GetString());
        Assert.Equal("ami-0123456789abcdef0", inside.GetProperty("SourceImageId").GetString());
        Assert.Equal("us-east-1", inside.GetProperty("SourceRegion").GetString());
        Assert.Equal("eu-west-1", inside.GetProperty("DestinationRegion").GetString());
        Assert.False(outside.TryGetProperty("JobId", out _));
    }

    [Fact]
    public void A_job_named_in_a_message_is_written_as_its_fields_with_the_target_account()
    {
        var (log, output) = Logger();
        var key = new CopyJobKey("us-east-1", "ami-0123456789abcdef0", "eu-west-1") { DestinationAccount = "111111111111" };
        log.LogInformation("{Job} attempt {Attempt} failed", key, 2);

        var line = Assert.Single(Lines(output));
        Assert.Equal($"{key} attempt 2 failed", line.GetProperty("message").GetString());
        Assert.Equal(
            [("JobId", key.HolderId), ("SourceImageId", "ami-0123456789abcdef0"), ("SourceRegion", "us-east-1"), ("DestinationRegion", "eu-west-1"),
                ("DestinationAccount", "111111111111")],
            line.EnumerateObject().Where(p => p.Name is not ("timestamp" or "level" or "logger" or "message" or "Attempt"))
                .Select(p => (p.Name, p.Value.GetString())));
        Assert.Equal(JsonValueKind.Number, line.GetProperty("Attempt").ValueKind);
    }

    [Fact]
    public void A_home_account_job_has_no_account_field()
    {
        var (log, output) = Logger();
        using (log.BeginJobScope(new CopyJobKey("us-east-1", "ami-1", "eu-west-1")))
        {
            log.LogInformation("inside");
        }

        Assert.False(Assert.Single(Lines(output)).TryGetProperty("DestinationAccount", out _));
    }

    [Fact]
    public void Numbers_and_flags_keep_their_JSON_types_and_fields_without_a_value_are_left_out()
    {
        var (log, output) = Logger();
        log.LogInformation("{Count} {Large} {Ratio} {Money} {Flag} {Nothing} {Empty} {Blank} {When}",
            3, 5_000_000_000L, 0.5, 1.25m, true, null, "", " ", new DateTimeOffset(2026, 11, 25, 8, 0, 0, TimeSpan.Zero));

        var line = Assert.Single(Lines(output));
        Assert.Equal((3, 5_000_000_000L, 0.5, 1.25m), (line.GetProperty("Count").GetInt32(), line.GetProperty("Large").GetInt64(),
            line.GetProperty("Ratio").GetDouble(), line.GetProperty("Money").GetDecimal()));
        Assert.Equal(JsonValueKind.True, line.GetProperty("Flag").ValueKind);
        Assert.Equal("2026-11-25T08:00:00.0000000+00:00", line.GetProperty("When").GetString());
        Assert.All(["Nothing", "Empty", "Blank"], name => Assert.False(line.TryGetProperty(name, out _), name));
    }

    [Fact]
    public void The_message_then_the_innermost_scope_win_when_two_name_the_same_field()
    {
        var (log, output) = Logger();
        var outer = new CopyJobKey("us-east-1", "ami-outer", "eu-west-1");
        var inner = new CopyJobKey("us-east-1", "ami-inner", "eu-west-1");
        using (log.BeginScope(new Dictionary<string, object?> { ["requestId"] = "r-1" }))
        using (log.BeginJobScope(outer))
        using (log.BeginJobScope(inner))
        {
            log.LogInformation("in the inner job");
            log.LogInformation("naming {Job}", outer);
        }

        var (innermost, named) = (Lines(output)[0], Lines(output)[1]);
        Assert.Equal(("ami-inner", "r-1"), (innermost.GetProperty("SourceImageId").GetString(), innermost.GetProperty("requestId").GetString()));
        Assert.Equal("ami-outer", named.GetProperty("SourceImageId").GetString());
    }
}
