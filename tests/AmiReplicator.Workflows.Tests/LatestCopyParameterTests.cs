using System.Collections.Concurrent;
using AmiReplicator.Domain.Jobs;
using AmiReplicator.Ec2Simulator;

namespace AmiReplicator.Workflows.Tests;

/// <summary>The latest-copy parameter: per destination and family, the newest available copy's id, as SSM holds an aws:ec2:image value.</summary>
public class LatestCopyParameterTests
{
    private const string Destination = "eu-west-1";
    private const string Parameter = "/amirepl/latest/golden-al2023-";

    /// <summary>Past SSM's asynchronous check of an aws:ec2:image value, after which a write shows.</summary>
    private static readonly TimeSpan ParameterCheck = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task The_parameter_names_the_newest_copy_whichever_finishes_first_and_retention_points_it_at_the_newest_remaining()
    {
        var durations = new ConcurrentDictionary<string, TimeSpan>(StringComparer.Ordinal);
        await using var h = await WorkflowHarness.StartAsync("""
            {"destinations":[{"region":"eu-west-1"}],
             "retention":{"keepLatest":1,"familyNamePrefixes":["golden-al2023-"]},
             "latestCopyParameter":"/amirepl/latest/{family}"}
            """, o => o with { CopyDurationFor = c => durations.GetValueOrDefault(c.SourceImageId, TimeSpan.FromMinutes(5)) });

        // The first copy, finished by the poller: the parameter is created with it.
        var first = await RequestAsync(h, "golden-al2023-1");
        var firstCopy = (await h.RunPollerUntilDoneAsync()).Single(j => j.Key.SourceImageId == first).TargetImageId!;
        h.Clock.Advance(ParameterCheck);
        var parameter = h.Simulator.FindParameter(Destination, Parameter);
        Assert.Equal((firstCopy, "aws:ec2:image", "String", 1L), (parameter?.Value, parameter?.DataType, parameter?.Type, parameter?.Version));

        // Two more, the newer one a minute later but faster: it finishes first, through the dispatcher on its own event...
        var slow = await RequestAsync(h, "golden-al2023-2", durations, TimeSpan.FromMinutes(30));
        h.Clock.Advance(TimeSpan.FromMinutes(1));
        var fast = await RequestAsync(h, "golden-al2023-3", durations, TimeSpan.FromMinutes(5));
        h.Clock.Advance(TimeSpan.FromMinutes(5));
        Assert.True(h.SendEc2Events() > 0);
        await h.DeliverAsync();
        var fastJob = (await h.JobsAsync()).Single(j => j.Key.SourceImageId == fast);
        Assert.Equal(CopyJobState.Available, fastJob.State);
        h.Clock.Advance(ParameterCheck);
        Assert.Equal((fastJob.TargetImageId, 2L), (h.Simulator.FindParameter(Destination, Parameter)?.Value, h.Simulator.FindParameter(Destination, Parameter)?.Version));

        // ...and the older one later, through the poller: the parameter is not written back to it.
        var slowCopy = (await h.RunPollerUntilDoneAsync()).Single(j => j.Key.SourceImageId == slow).TargetImageId!;
        h.Clock.Advance(ParameterCheck);
        Assert.Equal((fastJob.TargetImageId, 2L), (h.Simulator.FindParameter(Destination, Parameter)?.Value, h.Simulator.FindParameter(Destination, Parameter)?.Version));

        // A person deregisters the newest copy; retention's next run removes the oldest (keepLatest 1) and points at the one left.
        h.Simulator.DeregisterImage(Destination, fastJob.TargetImageId!);
        h.Clock.Advance(TimeSpan.FromMinutes(60));
        Assert.Equal(1, (await h.RunPollerAsync()).RemovedByRetention);
        h.Clock.Advance(ParameterCheck);
        Assert.Equal("deregistered", h.Simulator.FindImage(Destination, firstCopy)!.State);
        Assert.Equal(slowCopy, h.Simulator.FindParameter(Destination, Parameter)?.Value);
        Assert.Empty(h.Simulator.DroppedParameterWrites());
    }

    [Fact]
    public async Task A_family_that_makes_no_parameter_name_is_noted_on_the_job_and_the_copy_finishes()
    {
        await using var h = await WorkflowHarness.StartAsync("""
            {"destinations":[{"region":"eu-west-1"}],
             "retention":{"keepLatest":3,"familyTag":"family"},
             "latestCopyParameter":"/amirepl/latest/{family}"}
            """);
        var source = h.Simulator.SeedImage("us-east-1", new SeedImage { Name = "golden-1", Tags = new Dictionary<string, string> { ["family"] = "al 2023" } });
        h.Send($$"""{"sourceRegion":"us-east-1","sourceImageId":"{{source}}","requestedBy":"test"}""");
        await h.DeliverAsync();

        var job = Assert.Single(await h.RunPollerUntilDoneAsync());
        Assert.Equal(CopyJobState.Available, job.State);
        Assert.Contains(job.Notes, n => n.StartsWith("latest-copy parameter not written for family al 2023: '/amirepl/latest/al 2023' is not a parameter name", StringComparison.Ordinal));
        Assert.Equal(0, h.Simulator.CallCount(Destination, "ssm:PutParameter"));
    }

    /// <summary>Seeds a source and asks for it (one by one, so the sweep does not start them together); answers the source's id.</summary>
    private static async Task<string> RequestAsync(WorkflowHarness h, string name, ConcurrentDictionary<string, TimeSpan>? durations = null, TimeSpan? copyDuration = null)
    {
        var source = h.Simulator.SeedImage("us-east-1", new SeedImage { Name = name });
        if (durations is not null && copyDuration is { } duration)
        {
            durations[source] = duration;
        }

        h.Send($$"""{"sourceRegion":"us-east-1","sourceImageId":"{{source}}","requestedBy":"test"}""");
        await h.DeliverAsync();
        return source;
    }
}
