using System.Diagnostics;
using System.Globalization;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Amazon.Runtime;
using AmiReplicator.Aws.DynamoDb;
using AmiReplicator.Cli;
using AmiReplicator.Domain.Jobs;
using AmiReplicator.Domain.Policy;
using AmiReplicator.Domain.Slots;
using AmiReplicator.LocalCloud;
using Microsoft.Extensions.Logging.Abstractions;

namespace AmiReplicator.Benchmarks;

/// <summary>
/// What `amirepl status`, `list` and `show` cost to read at a table's size, on DynamoDB Local: the DynamoDB calls, the capacity
/// DynamoDB Local reports consumed, and the time; beside the whole-table scan they did before. The table is filled with batch writes
/// of the items the store writes (mostly ended jobs, as a table that has run for years holds).
/// dotnet run -c Release --project local/AmiReplicator.Benchmarks -- reads --jobs 10000
/// </summary>
internal static class ReadCost
{
    private static readonly string[] Sources = ["us-east-1", "us-west-2"];
    private static readonly string[] Destinations = ["eu-west-1", "eu-central-1", "ap-southeast-2"];
    /// <summary>Above this many jobs the scan is not measured: its cost grows with the table (at 100,000 it took 91 s on DynamoDB Local).</summary>
    private const int MaxScanned = 100_000;

    private static readonly DateTimeOffset Start = new(2024, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public static async Task RunAsync(string[] args)
    {
        var jobs = args.Length == 2 && args[0] == "--jobs" && int.TryParse(args[1], CultureInfo.InvariantCulture, out var n) && n > 0
            ? n
            : throw new ArgumentException("usage: reads --jobs N");
        await using var dynamoDbLocal = await DynamoDbLocal.UseOrStartAsync();
        using var dynamo = new AmazonDynamoDBClient(new BasicAWSCredentials("bench", "bench"),
            new AmazonDynamoDBConfig { ServiceURL = dynamoDbLocal.Url.ToString(), AuthenticationRegion = "us-east-1" });
        var table = $"reads-{jobs}-{Guid.NewGuid():N}"[..30];
        await JobTable.CreateIfMissingAsync(dynamo, table, CancellationToken.None);
        var policy = ReplicationPolicy.Parse($$"""{"destinations":[{{string.Join(",", Destinations.Select(d => $$"""{"region":"{{d}}"}"""))}}],"sourceRegions":["us-east-1","us-west-2"]}""");

        var load = Stopwatch.StartNew();
        await FillAsync(dynamo, table, jobs);
        Console.WriteLine($"{jobs} jobs loaded in {load.Elapsed.TotalSeconds:F0} s");

        var calls = new CallCounter(dynamo);
        var inspection = new CopyJobInspection(dynamo, table);
        var now = Start.AddDays(jobs / 1000.0 + 1);
        await MeasureAsync("status (counters + index counts)", calls, async () =>
        {
            var counters = await inspection.ListCountersAsync(CancellationToken.None);
            var census = await TableReads.CountAsync(inspection, TableReads.Destinations(policy, counters, AccountFilter.Any), now, CancellationToken.None);
            return StatusCommand.Lines(census, counters, policy, AccountFilter.Any, now).Destinations.Sum(l => l.Waiting + l.Available + l.Failed + l.Cancelled + l.Copying);
        });
        await MeasureAsync("list --state FAILED --to eu-west-1", calls, async () =>
            (await TableReads.JobsInStatesAsync(inspection, [CopyJobState.Failed], [CopyDestination.Home("eu-west-1")], null, now, CancellationToken.None)).Count);
        await MeasureAsync("list --state AVAILABLE --to eu-west-1, first page of 100", calls, async () =>
            (await inspection.ListJobsAsync(CopyJobState.Available, CopyDestination.Home("eu-west-1"), null, null, 100, now, CancellationToken.None)).Jobs.Count);
        await MeasureAsync("show AMI (2 source regions x home)", calls, async () =>
            (await inspection.ListJobsOfImageAsync(ImageId(jobs / Destinations.Length / 2), Sources, [null], now, CancellationToken.None)).Count);
        if (jobs <= MaxScanned)
        {
            await MeasureAsync("before: the whole-table scan every read made", calls, async () => (await inspection.ListJobsAsync(CancellationToken.None)).Count);
        }
    }

    private static async Task MeasureAsync(string what, CallCounter calls, Func<Task<int>> read)
    {
        calls.Reset();
        var time = Stopwatch.StartNew();
        var items = await read();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| {what} | {items} | {calls.Calls} | {calls.ReadCapacity:F1} | {time.Elapsed.TotalMilliseconds:F0} ms |"));
    }

    /// <summary>The jobs: one AMI a source every 30 s of virtual time into every destination; of each destination's, 90% AVAILABLE, the rest failed, cancelled, waiting or copying.</summary>
    private static async Task FillAsync(AmazonDynamoDBClient dynamo, string table, int count)
    {
        var store = new DynamoCopyJobStore(dynamo, table, NullLogger<DynamoCopyJobStore>.Instance);
        foreach (var destination in Destinations)
        {
            await store.CreateCounterAsync(new SlotCounter(SlotScope.All(CopyDestination.Home(destination)), 0, new HashSet<CopyJobKey>()), CancellationToken.None);
            foreach (var source in Sources)
            {
                await store.CreateCounterAsync(new SlotCounter(SlotScope.Pair(source, CopyDestination.Home(destination)), 0, new HashSet<CopyJobKey>()), CancellationToken.None);
            }
        }

        var items = Enumerable.Range(0, count).Select(i => JobItems.ToItem(Job(i), retention: null));
        await Parallel.ForEachAsync(items.Chunk(25), new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (batch, token) =>
        {
            var pending = new Dictionary<string, List<WriteRequest>> { [table] = [.. batch.Select(i => new WriteRequest(new PutRequest(i)))] };
            while (pending.Count > 0)
            {
                var response = await dynamo.BatchWriteItemAsync(new BatchWriteItemRequest { RequestItems = pending }, token);
                pending = response.UnprocessedItems is { Count: > 0 } unprocessed ? unprocessed : [];
            }
        });
    }

    private static string ImageId(int ami) => $"ami-{ami:x17}";

    private static CopyJob Job(int i)
    {
        var ami = i / Destinations.Length;
        var at = Start.AddSeconds(30.0 * ami);
        var state = (i % 200) switch
        {
            < 180 => CopyJobState.Available,
            < 186 => CopyJobState.Failed,
            < 190 => CopyJobState.Cancelled,
            < 199 => CopyJobState.Waiting,
            _ => CopyJobState.Copying,
        };
        return new CopyJob
        {
            Key = new CopyJobKey(Sources[ami % Sources.Length], ImageId(ami), Destinations[i % Destinations.Length]),
            State = state,
            Name = $"golden-{ami}",
            Description = $"Copy of {ImageId(ami)}",
            RequestedBy = "event",
            Tags = new Dictionary<string, string> { ["team"] = "platform", ["image-family"] = "golden" },
            CreatedAt = at,
            UpdatedAt = at.AddMinutes(20),
            WaitingSince = at,
            CompletedAt = state.IsTerminal() ? at.AddMinutes(20) : null,
            TargetImageId = state is CopyJobState.Available or CopyJobState.Copying ? $"ami-{i:x17}" : null,
            LastError = state == CopyJobState.Failed ? "CopyImage failed: InternalError" : null,
            SizeGiB = 8,
            Attempt = 1,
        };
    }

    /// <summary>The DynamoDB calls made through a client, and the read capacity they report consumed.</summary>
    private sealed class CallCounter
    {
        private int _calls;
        private double _readCapacity;

        public CallCounter(AmazonDynamoDBClient client) => client.AfterResponseEvent += (_, e) =>
        {
            Interlocked.Increment(ref _calls);
            var consumed = (e as WebServiceResponseEventArgs)?.Response switch
            {
                QueryResponse q => q.ConsumedCapacity?.CapacityUnits,
                ScanResponse s => s.ConsumedCapacity?.CapacityUnits,
                BatchGetItemResponse b => b.ConsumedCapacity?.Sum(c => c.CapacityUnits),
                _ => null,
            };
            lock (this)
            {
                _readCapacity += consumed ?? 0;
            }
        };

        public int Calls => _calls;
        public double ReadCapacity => _readCapacity;

        public void Reset()
        {
            _calls = 0;
            _readCapacity = 0;
        }
    }
}
