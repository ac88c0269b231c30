using System.Text.Json;
using AmiReplicator.Contract;
using AmiReplicator.Functions;
using Microsoft.Extensions.Time.Testing;

namespace AmiReplicator.Functions.Tests;

/// <summary>The lines must be what CloudWatch's embedded metric format specification asks for, or Lambda publishes nothing.</summary>
public class EmbeddedMetricWriterTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 25, 8, 0, 0, TimeSpan.Zero);

    private static JsonElement Write(MetricDefinition metric, double value, string destination)
    {
        var output = new StringWriter();
        new EmbeddedMetricWriter(output, new FakeTimeProvider(Now)).Record(metric, value, destination);
        return JsonDocument.Parse(Assert.Single(output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries))).RootElement;
    }

    [Fact]
    public void A_count_is_published_per_destination_and_for_all_destinations()
    {
        var line = Write(ReplicatorMetrics.CopiesFailed, 1, "eu-west-1");

        var aws = line.GetProperty("_aws");
        Assert.Equal(Now.ToUnixTimeMilliseconds(), aws.GetProperty("Timestamp").GetInt64());
        var directive = Assert.Single(aws.GetProperty("CloudWatchMetrics").EnumerateArray());
        Assert.Equal(ReplicatorMetrics.Namespace, directive.GetProperty("Namespace").GetString());
        Assert.Equal([[ReplicatorMetrics.DestinationDimension], []],
            directive.GetProperty("Dimensions").EnumerateArray().Select(d => d.EnumerateArray().Select(n => n.GetString()).ToArray()).ToArray());
        var metric = Assert.Single(directive.GetProperty("Metrics").EnumerateArray());
        Assert.Equal(("CopiesFailed", "Count"), (metric.GetProperty("Name").GetString(), metric.GetProperty("Unit").GetString()));
        Assert.Equal("eu-west-1", line.GetProperty(ReplicatorMetrics.DestinationDimension).GetString());
        Assert.Equal(1, line.GetProperty("CopiesFailed").GetDouble());
    }

    [Fact]
    public void A_level_per_destination_is_published_only_per_destination()
    {
        var line = Write(ReplicatorMetrics.CopiesInFlight, 7, "ap-southeast-2");

        var directive = Assert.Single(line.GetProperty("_aws").GetProperty("CloudWatchMetrics").EnumerateArray());
        var dimensions = Assert.Single(directive.GetProperty("Dimensions").EnumerateArray());
        Assert.Equal([ReplicatorMetrics.DestinationDimension], dimensions.EnumerateArray().Select(n => n.GetString()));
        Assert.Equal(7, line.GetProperty("CopiesInFlight").GetDouble());
    }

    [Fact]
    public void A_deployment_with_its_own_namespace_publishes_there()
    {
        var settings = ReplicatorSettings.FromEnvironment(name => name switch
        {
            FunctionEnvironment.TableName => "jobs",
            FunctionEnvironment.Policy => """{"destinations":[{"region":"eu-west-1"}]}""",
            FunctionEnvironment.AccountId => "123456789012",
            FunctionEnvironment.MetricsNamespace => "AmiReplicator/staging",
            "AWS_REGION" => "us-east-1",
            _ => null,
        });
        Assert.Equal("AmiReplicator/staging", settings.MetricsNamespace);

        var output = new StringWriter();
        new EmbeddedMetricWriter(output, new FakeTimeProvider(Now), settings.MetricsNamespace).Record(ReplicatorMetrics.CopiesFailed, 1, "eu-west-1");
        var directive = JsonDocument.Parse(output.ToString()).RootElement.GetProperty("_aws").GetProperty("CloudWatchMetrics")[0];
        Assert.Equal("AmiReplicator/staging", directive.GetProperty("Namespace").GetString());
    }
}
