using static AmiReplicator.Ec2Simulator.Tests.Harness;

namespace AmiReplicator.Ec2Simulator.Tests;

public sealed class IdempotencyTests
{
    [Fact]
    public async Task The_same_token_with_the_same_parameters_returns_the_same_copy()
    {
        await using var h = await Harness.StartAsync();
        var sourceId = await h.RegisterAsync(Source);
        var name = UniqueName("copy");

        var first = await h.CopyAsync(sourceId, configure: r => (r.Name, r.ClientToken) = (name, "job-42"));
        var again = await h.CopyAsync(sourceId, configure: r => (r.Name, r.ClientToken) = (name, "job-42"));
        h.Clock.Advance(TimeSpan.FromHours(1));
        var afterCompletion = await h.CopyAsync(sourceId, configure: r => (r.Name, r.ClientToken) = (name, "job-42"));

        Assert.Equal(first, again);
        Assert.Equal(first, afterCompletion);
        Assert.Single(h.Simulator.Images(Destination));
        Assert.Equal(1, h.Simulator.PeakPendingCopies(Destination));
    }

    [Fact]
    public async Task The_same_token_with_other_parameters_is_a_mismatch()
    {
        await using var h = await Harness.StartAsync();
        var sourceId = await h.RegisterAsync(Source);
        var name = UniqueName("copy");
        await h.CopyAsync(sourceId, configure: r => (r.Name, r.ClientToken) = (name, "job-42"));

        await Ec2Assert.ErrorAsync("IdempotentParameterMismatch", () =>
            h.CopyAsync(sourceId, configure: r => (r.Name, r.ClientToken, r.Description) = (name, "job-42", "other")));
        await Ec2Assert.ErrorAsync("IdempotentParameterMismatch", () =>
            h.CopyAsync(sourceId, configure: r => (r.Name, r.ClientToken, r.Encrypted) = (name, "job-42", true)));
    }

    [Fact]
    public async Task Tokens_are_per_destination_region()
    {
        await using var h = await Harness.StartAsync();
        var sourceId = await h.RegisterAsync(Source);
        var name = UniqueName("copy");

        var inEu = await h.CopyAsync(sourceId, configure: r => (r.Name, r.ClientToken) = (name, "job-42"));
        var inUs = await h.CopyAsync(sourceId, destination: "us-west-2", configure: r => (r.Name, r.ClientToken) = (name, "job-42"));

        Assert.NotEqual(inEu, inUs);
    }
}
