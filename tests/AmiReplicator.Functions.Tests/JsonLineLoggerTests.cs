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
        Assert.Equal("3", line.GetProperty("Count").GetString());
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
}
