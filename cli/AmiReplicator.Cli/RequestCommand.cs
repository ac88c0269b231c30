using System.CommandLine;
using System.Text.Json;
using Amazon.SQS;
using AmiReplicator.Messages;

namespace AmiReplicator.Cli;

/// <summary>`amirepl request`: asks for a copy by hand (backfill, retry of a failed job) through the request queue.</summary>
internal static class RequestCommand
{
    public static Command Create()
    {
        var queueUrl = new Option<string>("--queue-url") { Description = "The deployment's request queue: the output RequestQueueUrl of its home stack (AmiReplicator, or <stackPrefix>-AmiReplicator).", Required = true };
        var sourceRegion = new Option<string>("--source-region") { Required = true };
        var image = new Option<string>("--image") { Description = "The source AMI id.", Required = true };
        var destinations = new Option<string[]>("--destination") { Description = "Only these destinations (repeat the option); all the policy's when absent.", AllowMultipleArgumentsPerToken = true };
        var requestedBy = new Option<string>("--requested-by") { DefaultValueFactory = _ => Environment.UserName };
        var reason = new Option<string?>("--reason");
        var command = new Command("request", "Enqueue a copy request; a FAILED job for the same AMI and destination is tried again.")
        {
            queueUrl, sourceRegion, image, destinations, requestedBy, reason,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var message = new CopyRequestMessage
            {
                SourceRegion = parse.GetValue(sourceRegion),
                SourceImageId = parse.GetValue(image),
                Destinations = parse.GetValue(destinations) is { Length: > 0 } d ? [.. d] : null,
                RequestedBy = parse.GetValue(requestedBy),
                Reason = parse.GetValue(reason),
            };
            var body = JsonSerializer.Serialize(message, MessagesJsonContext.Default.CopyRequestMessage);
            if (InboundMessage.Parse(body) is InboundMessage.Malformed malformed)
            {
                await Console.Error.WriteLineAsync($"Not sent: {malformed.Reason}");
                return 2;
            }

            using var sqs = new AmazonSQSClient();
            var sent = await sqs.SendMessageAsync(parse.GetValue(queueUrl), body, cancellationToken);
            Console.WriteLine($"Enqueued {sent.MessageId}: {body}");
            return 0;
        });
        return command;
    }
}
