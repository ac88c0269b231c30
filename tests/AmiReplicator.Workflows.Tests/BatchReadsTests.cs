using AmiReplicator.Domain.Jobs;
using AmiReplicator.Ec2Simulator;
using AmiReplicator.LocalCloud;
using SeedImage = AmiReplicator.Ec2Simulator.SeedImage;
using SeedVolume = AmiReplicator.Ec2Simulator.SeedVolume;

namespace AmiReplicator.Workflows.Tests;

/// <summary>A dispatcher batch reads the AMIs its messages name together: a burst costs a few reads, not a few per AMI.</summary>
public class BatchReadsTests
{
    private const string Policy = """{"sourceRegions":["us-east-1","us-west-2"],"destinations":[{"region":"eu-west-1"},{"region":"eu-central-1"}]}""";

    private static string Seed(WorkflowHarness h, string region, int i) =>
        h.Simulator.SeedImage(region, new SeedImage
        {
            Name = $"golden-{region}-{i}",
            Volumes = [new SeedVolume("/dev/xvda", 8) { Tags = new Dictionary<string, string> { ["Backup"] = $"root-{i}" } }, new SeedVolume("/dev/xvdb", 20)],
        });

    [Fact]
    public async Task A_batch_of_AMI_events_reads_its_sources_and_their_snapshots_once_per_source_region_and_every_job_keeps_its_own_snapshot_tags()
    {
        await using var h = await WorkflowHarness.StartAsync(Policy);
        var images = Enumerable.Range(0, 6).Select(i => (Region: i % 2 == 0 ? "us-east-1" : "us-west-2", Index: i)).Select(s => (s.Region, s.Index, ImageId: Seed(h, s.Region, s.Index))).ToList();
        foreach (var (region, _, imageId) in images)
        {
            h.Send(LocalReplication.AvailableEvent(region, imageId, imageId));
        }

        await h.DeliverAsync();

        foreach (var region in new[] { "us-east-1", "us-west-2" })
        {
            Assert.Equal(1, h.Simulator.CallCount(region, "DescribeImages"));
            Assert.Equal(1, h.Simulator.CallCount(region, "DescribeSnapshots"));
        }

        var jobs = await h.JobsAsync();
        Assert.Equal(12, jobs.Count);
        foreach (var (region, index, imageId) in images)
        {
            foreach (var job in jobs.Where(j => j.Key.SourceImageId == imageId))
            {
                Assert.Equal(CopyJobState.Copying, job.State);
                var root = Assert.Single(job.SourceSnapshotTags!, t => t.DeviceName == "/dev/xvda");
                Assert.Equal($"root-{index}", root.Tags["Backup"]);
                Assert.Empty(Assert.Single(job.SourceSnapshotTags!, t => t.DeviceName == "/dev/xvdb").Tags);
            }
        }
    }

    [Fact]
    public async Task An_AMI_the_batchs_read_did_not_find_is_read_again_by_its_own_message_and_only_that_message_is_delivered_again()
    {
        await using var h = await WorkflowHarness.StartAsync(Policy);
        var known = Seed(h, "us-east-1", 0);
        const string NotVisibleYet = "ami-0123456789abcdef0";
        h.Send(LocalReplication.AvailableEvent("us-east-1", known, known));
        h.Send(LocalReplication.AvailableEvent("us-east-1", NotVisibleYet, NotVisibleYet));

        Assert.Equal(2, await h.DeliverAsync());

        // The batch's read, then the unknown AMI's own (EC2's view may lag its event): it is asked for again, the other is done.
        Assert.Equal(2, h.Simulator.CallCount("us-east-1", "DescribeImages"));
        Assert.All(await h.JobsAsync(), j => Assert.Equal(known, j.Key.SourceImageId));
        Assert.Equal(2, (await h.JobsAsync()).Count);
        Assert.Equal(1, await h.DeliverAsync());
    }

    [Fact]
    public async Task A_batch_whose_read_ahead_EC2_refuses_handles_every_message_with_its_own_reads()
    {
        await using var h = await WorkflowHarness.StartAsync(Policy);
        var images = Enumerable.Range(0, 3).Select(i => Seed(h, "us-east-1", i)).ToList();
        foreach (var imageId in images)
        {
            h.Send(LocalReplication.AvailableEvent("us-east-1", imageId, imageId));
        }

        // The batch's DescribeImages fails with every retry the SDK makes (six attempts); the messages' own reads get answers.
        h.Simulator.InjectFault("us-east-1", "DescribeImages", 6, ApiFault.InternalError);
        await h.DeliverAsync();

        Assert.Equal(0, await h.DeliverAsync());
        var jobs = await h.JobsAsync();
        Assert.Equal(6, jobs.Count);
        Assert.All(jobs, j => Assert.Equal(CopyJobState.Copying, j.State));
        Assert.All(jobs, j => Assert.Equal("root-" + images.IndexOf(j.Key.SourceImageId), Assert.Single(j.SourceSnapshotTags!, t => t.DeviceName == "/dev/xvda").Tags["Backup"]));
        Assert.Contains("each message reads its own", h.Log.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_deregistered_AMIs_event_is_handled_on_the_batchs_read_alone()
    {
        await using var h = await WorkflowHarness.StartAsync(Policy);
        var gone = Seed(h, "us-east-1", 0);
        Assert.Equal(1, h.SendEc2Events());
        await h.DeliverAsync();
        h.Simulator.DeregisterImage("us-east-1", gone);
        Assert.Equal(1, h.SendEc2Events());
        var describedBefore = h.Simulator.CallCount("us-east-1", "DescribeImages");

        await h.DeliverAsync();

        // The batch's read found it gone, which its event says: no second DescribeImages to be told so again.
        Assert.Equal(describedBefore + 1, h.Simulator.CallCount("us-east-1", "DescribeImages"));
        Assert.Equal(0, await h.DeliverAsync());
    }
}
