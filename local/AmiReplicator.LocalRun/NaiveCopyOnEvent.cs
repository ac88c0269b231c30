using System.Text.Json;
using Amazon.EC2;
using Amazon.EC2.Model;
using AmiReplicator.Messages;

namespace AmiReplicator.LocalRun;

/// <summary>
/// The baseline the replicator is measured against, not product code: a small copy-on-event function with no budget, as the Lambda
/// tools users complain about are. On every "AMI available" event of a source region it reads the AMI and calls CopyImage into
/// every destination at once. Its only retries are the AWS SDK's own (throttling and 5xx): a copy EC2 refuses with
/// ResourceLimitExceeded is logged and never made, and the message is acknowledged (nothing would bring the event back).
/// </summary>
internal sealed class NaiveCopyOnEvent(Func<string, IAmazonEC2> ec2, IReadOnlyList<string> sources, IReadOnlyList<string> destinations)
{
    private int _started;
    private int _limitExceeded;
    private int _otherErrors;

    /// <summary>CopyImage calls EC2 accepted.</summary>
    public int Started => _started;

    /// <summary>Copies EC2 refused with ResourceLimitExceeded: never made.</summary>
    public int LimitExceeded => _limitExceeded;

    /// <summary>Copies refused for any other reason (none in a burst of good AMIs).</summary>
    public int OtherErrors => _otherErrors;

    public async Task<string> HandleJsonAsync(string payload, CancellationToken cancellationToken)
    {
        var sqsEvent = JsonSerializer.Deserialize(payload, MessagesJsonContext.Default.SqsEvent)
            ?? throw new JsonException("The invocation payload is not an SQS event.");
        foreach (var record in sqsEvent.Records)
        {
            using var body = JsonDocument.Parse(record.Body);
            var region = body.RootElement.GetProperty("region").GetString() ?? "";
            var detail = body.RootElement.GetProperty("detail");
            if (detail.GetProperty("State").GetString() != "available" || !sources.Contains(region))
            {
                continue;
            }

            var imageId = detail.GetProperty("ImageId").GetString();
            var source = (await ec2(region).DescribeImagesAsync(new DescribeImagesRequest { ImageIds = [imageId] }, cancellationToken)).Images.Single();
            foreach (var destination in destinations)
            {
                try
                {
                    await ec2(destination).CopyImageAsync(new CopyImageRequest
                    {
                        SourceRegion = region,
                        SourceImageId = source.ImageId,
                        Name = source.Name,
                        CopyImageTags = true,
                    }, cancellationToken);
                    Interlocked.Increment(ref _started);
                }
                catch (AmazonEC2Exception e) when (e.ErrorCode == "ResourceLimitExceeded")
                {
                    Interlocked.Increment(ref _limitExceeded);
                }
                catch (AmazonEC2Exception)
                {
                    Interlocked.Increment(ref _otherErrors);
                }
            }
        }

        return JsonSerializer.Serialize(new SqsBatchResponse(), MessagesJsonContext.Default.SqsBatchResponse);
    }
}
