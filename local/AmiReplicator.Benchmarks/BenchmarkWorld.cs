using System.Text.Json;
using AmiReplicator.Domain.Composition;
using AmiReplicator.Domain.Jobs;
using AmiReplicator.Domain.Policy;
using AmiReplicator.Functions;
using AmiReplicator.InMemory;
using AmiReplicator.Messages;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace AmiReplicator.Benchmarks;

/// <summary>
/// The two handlers as Lambda runs them (<see cref="ReplicatorWorkflows"/>, JSON logs and embedded metrics written to nowhere),
/// over the in-memory job store and EC2 in memory; source AMIs in one region, copied to four destinations with budgets large
/// enough that every job starts its copy, so a message costs the whole path: parse, read the source, plan, write the jobs, claim,
/// CopyImage, record COPYING.
/// </summary>
public sealed class BenchmarkWorld : IDisposable
{
    public const string Source = "us-east-1";
    public static readonly IReadOnlyList<string> Destinations = ["eu-west-1", "eu-central-1", "ap-southeast-2", "us-east-2"];

    private const string PolicyJson = """
        {"destinations":[{"region":"eu-west-1"},{"region":"eu-central-1"},{"region":"ap-southeast-2"},{"region":"us-east-2"}],
         "sourceRegions":["us-east-1"],"budgets":{"maxInFlightPerDestination":100000,"maxInFlightPerSource":100000},
         "tags":{"copied-by":"ami-replicator"}}
        """;

    private readonly ILoggerFactory _logging;
    private int _images;

    public BenchmarkWorld()
    {
        _logging = LoggerFactory.Create(b => b.AddProvider(new JsonLineLoggerProvider(TextWriter.Null)));
        var settings = new ReplicatorSettings("in-memory", ReplicationPolicy.Parse(PolicyJson), InMemoryImageGateway.AccountId, Source);
        var workflows = new ReplicatorWorkflows(new ReplicatorPorts(Store, Images, new InMemoryKeyGateway()) { Requests = new DroppingQueues() },
            settings.Policy, settings.AccountId, settings.HomeRegion, new WorkflowContext(new TrackingOptions(), new EmbeddedMetricWriter(TextWriter.Null, Clock), Clock, _logging));
        (Dispatcher, Poller) = ReplicatorHandlers.Over(workflows, new DroppingQueues(), _logging);
    }

    public FakeTimeProvider Clock { get; } = new(new DateTimeOffset(2026, 11, 25, 8, 0, 0, TimeSpan.Zero));
    public InMemoryCopyJobStore Store { get; } = new();
    public InMemoryImageGateway Images { get; } = new();
    public DispatcherFunction Dispatcher { get; }
    public PollerFunction Poller { get; }

    /// <summary>Seeds that many new source AMIs and answers their "available" events as SQS invocation payloads of 10 records each.</summary>
    public IReadOnlyList<string> NewAmiPayloads(int amis)
    {
        var records = Enumerable.Range(0, amis).Select(_ =>
        {
            var imageId = $"ami-{++_images:D17}";
            Images.SeedSource(Source, imageId, 8 + (_images % 500));
            return new SqsMessage
            {
                MessageId = $"m-{_images}",
                ReceiptHandle = $"r-{_images}",
                EventSource = "aws:sqs",
                Attributes = new Dictionary<string, string> { ["ApproximateReceiveCount"] = "1" },
                Body = $$$"""
                    {"version":"0","id":"e-{{{_images}}}","detail-type":"EC2 AMI State Change","source":"aws.ec2","account":"{{{InMemoryImageGateway.AccountId}}}",
                     "time":"2026-11-25T08:00:00Z","region":"{{{Source}}}","resources":["arn:aws:ec2:{{{Source}}}::image/{{{imageId}}}"],
                     "detail":{"RequestId":"r-{{{_images}}}","ImageId":"{{{imageId}}}","State":"available","ErrorMessage":""}}
                    """,
            };
        });
        return records.Chunk(10)
            .Select(batch => JsonSerializer.Serialize(new SqsEvent { Records = [.. batch] }, MessagesJsonContext.Default.SqsEvent))
            .ToList();
    }

    /// <summary>Hands every payload to the dispatcher; a record it did not finish is a broken benchmark, not a number.</summary>
    public async Task DispatchAsync(IReadOnlyList<string> payloads)
    {
        foreach (var payload in payloads)
        {
            var answer = await Dispatcher.HandleJsonAsync(payload, CancellationToken.None);
            if (JsonSerializer.Deserialize(answer, MessagesJsonContext.Default.SqsBatchResponse) is not { BatchItemFailures.Count: 0 })
            {
                throw new InvalidOperationException($"The dispatcher failed records: {answer}");
            }
        }
    }

    /// <summary>Throws unless exactly <paramref name="count"/> jobs are in <paramref name="state"/>.</summary>
    public async Task ExpectJobsAsync(CopyJobState state, int count)
    {
        var jobs = await Store.ListJobsAsync(CancellationToken.None);
        var inState = jobs.Count(j => j.State == state);
        if (inState != count || jobs.Count != count)
        {
            throw new InvalidOperationException($"Expected {count} jobs {state}, found {inState} of {jobs.Count}.");
        }
    }

    public void Dispose() => _logging.Dispose();

    /// <summary>Nothing in these benchmarks is dead-lettered or swept; what would be is dropped.</summary>
    private sealed class DroppingQueues : IDeadLetterQueue, IRequestQueue
    {
        public Task SendAsync(SqsMessage message, string reason, CancellationToken cancellationToken) =>
            throw new InvalidOperationException($"A benchmark message was dead-lettered: {reason}");

        public Task SendAsync(IReadOnlyList<ReplicationRequest> requests, CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
