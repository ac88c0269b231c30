using System.Diagnostics;
using System.Runtime.Versioning;
using System.Text.Json;
using System.Text.Json.Nodes;
using AmiReplicator.Contract;
using AmiReplicator.Infra;
using AmiReplicator.TestSupport;

namespace AmiReplicator.Infra.Tests;

/// <summary>
/// The package synth builds, run for real: the same publish (self-contained, <c>bootstrap</c>), for this machine's
/// linux-x64 instead of Lambda's arm64, started against a fake Runtime API and handed an SQS event.
/// </summary>
[SupportedOSPlatform("linux")]
public sealed class PackagedDispatcherTests
{
    private const string RequestId = "8476a536-e9f4-11e8-9739-2dfe598c3fcd";

    // A body that is not JSON is malformed: the dispatcher answers for it without calling AWS.
    private static readonly string SqsEvent = new JsonObject { ["Records"] = new JsonArray(Record("msg-malformed", "this is not json")) }.ToJsonString();

    [Fact]
    public async Task The_published_dispatcher_answers_an_sqs_event_with_its_failed_records()
    {
        var package = new PublishedLambdaPackages(TestContext.RepositoryRoot, "linux-x64", TextWriter.Null).DirectoryFor(LambdaFunction.Dispatcher);
        var bootstrap = Path.Combine(package, "bootstrap");
        Assert.True(File.GetUnixFileMode(bootstrap).HasFlag(UnixFileMode.UserExecute), "bootstrap must be executable");
        Assert.True(File.Exists(Path.Combine(package, "libcoreclr.so")), "the package must carry its own runtime (provided.al2023 has none)");

        await using var api = FakeRuntimeApi.Start();
        api.Enqueue(new FakeEvent(RequestId, SqsEvent, DateTimeOffset.UtcNow.AddMinutes(1)));
        var settings = TestContext.Settings(TestContext.FromCdkJson());
        var start = new ProcessStartInfo(bootstrap) { RedirectStandardOutput = true, RedirectStandardError = true };
        start.Environment["AWS_LAMBDA_RUNTIME_API"] = api.Address;
        start.Environment["AWS_REGION"] = settings.HomeRegion;
        start.Environment[FunctionEnvironment.TableName] = "AmiReplicator-Jobs";
        start.Environment[FunctionEnvironment.Policy] = settings.PolicyJson;
        start.Environment[FunctionEnvironment.AccountId] = "123456789012";
        // Were AWS called after all, it would hit a closed local port rather than an account.
        start.Environment[FunctionEnvironment.Ec2Endpoint] = "http://127.0.0.1:9";
        start.Environment[FunctionEnvironment.DynamoDbEndpoint] = "http://127.0.0.1:9";
        start.Environment["AWS_ACCESS_KEY_ID"] = "AKIDEXAMPLE";
        start.Environment["AWS_SECRET_ACCESS_KEY"] = "not-a-secret";
        start.Environment["AWS_EC2_METADATA_DISABLED"] = "true";

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        RecordedPost? post = null;
        bool stillWaiting;
        try
        {
            post = await api.NextPostAsync(TimeSpan.FromSeconds(60));
        }
        catch (TimeoutException)
        {
            // Reported below, with the function's own output.
        }
        finally
        {
            stillWaiting = !process.HasExited;
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }

        var log = await stdout + await stderr;
        var (path, _, body) = post ?? throw new Xunit.Sdk.XunitException($"The runtime posted nothing within a minute. Its output:\n{log}");
        Assert.True(path == $"/2018-06-01/runtime/invocation/{RequestId}/response", $"{path}: {body}\n{log}");
        Assert.True(body == """{"batchItemFailures":[{"itemIdentifier":"msg-malformed"}]}""", $"{body}\n{log}");
        Assert.True(stillWaiting, "the runtime loop must wait for the next event");

        // The function logs one JSON object per line: each decision is there, as Lambda's JSON log format keeps it.
        var lines = (await stdout).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Contains(lines, l => l.Contains("msg-malformed", StringComparison.Ordinal) && JsonDocument.Parse(l).RootElement.GetProperty("level").GetString() == "ERROR");
        Assert.Empty(await stderr);
    }

    private static JsonObject Record(string messageId, string body) => new()
    {
        ["messageId"] = messageId,
        ["receiptHandle"] = "handle-" + messageId,
        ["body"] = body,
        ["attributes"] = new JsonObject { ["ApproximateReceiveCount"] = "1" },
        ["messageAttributes"] = new JsonObject(),
        ["eventSource"] = "aws:sqs",
        ["eventSourceARN"] = "arn:aws:sqs:us-east-1:123456789012:AmiReplicator-RequestQueue",
        ["awsRegion"] = "us-east-1",
    };
}
