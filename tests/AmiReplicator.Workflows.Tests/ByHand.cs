using AmiReplicator.Domain.Jobs;

namespace AmiReplicator.Workflows.Tests;

/// <summary>A source asked for by hand, as a person does with <c>amirepl request</c>, then the poller until every job is done.</summary>
internal static class ByHand
{
    public static async Task<IReadOnlyList<CopyJob>> ReplicateAsync(WorkflowHarness h, string sourceId, string sourceRegion = "us-east-1")
    {
        h.Send($$"""{"sourceRegion":"{{sourceRegion}}","sourceImageId":"{{sourceId}}","requestedBy":"alice"}""");
        await h.DeliverAsync();
        return await h.RunPollerUntilDoneAsync();
    }
}
