using Amazon.EC2.Model;
using static AmiReplicator.Ec2Simulator.Tests.Harness;

namespace AmiReplicator.Ec2Simulator.Tests;

public sealed class CopyLifecycleTests
{
    [Fact]
    public async Task A_copy_is_pending_for_the_copy_duration_then_available_in_the_destination_only()
    {
        await using var h = await Harness.StartAsync();
        var sourceId = await h.RegisterAsync(Source);

        var copyId = await h.CopyAsync(sourceId);

        var pending = await h.DescribeAsync(Destination, copyId);
        Assert.Equal("pending", pending.State.Value);
        Assert.Equal(sourceId, pending.SourceImageId);
        Assert.Equal(Source, pending.SourceImageRegion);
        Assert.Equal(h.Simulator.AccountId, pending.OwnerId);
        await Ec2Assert.ErrorAsync("InvalidAMIID.NotFound", () => h.DescribeAsync(Source, copyId));

        h.Clock.Advance(TimeSpan.FromMinutes(5) - TimeSpan.FromSeconds(1));
        Assert.Equal("pending", (await h.DescribeAsync(Destination, copyId)).State.Value);
        h.Clock.Advance(TimeSpan.FromSeconds(1));
        var available = await h.DescribeAsync(Destination, copyId);
        Assert.Equal("available", available.State.Value);
        Assert.Null(available.StateReason);
    }

    [Fact]
    public async Task The_copy_describes_every_field_the_product_reads()
    {
        await using var h = await Harness.StartAsync();
        var sourceId = await h.RegisterAsync(Source);
        var copyId = await h.CopyAsync(sourceId, configure: r => r.Description = "copied");
        h.Clock.Advance(TimeSpan.FromMinutes(5));

        var copy = await h.DescribeAsync(Destination, copyId);

        Assert.Matches("^ami-[0-9a-f]{17}$", copy.ImageId);
        Assert.StartsWith("copy-", copy.Name, StringComparison.Ordinal);
        Assert.Equal("copied", copy.Description);
        Assert.Equal("2026-11-25T10:00:00.000Z", copy.CreationDate);
        Assert.Equal("ebs", copy.RootDeviceType.Value);
        Assert.Equal("/dev/xvda", copy.RootDeviceName);
        Assert.Equal("Linux/UNIX", copy.PlatformDetails);
        Assert.False(copy.Public);
        Assert.NotNull(copy.ImageLocation);
        var root = Assert.Single(copy.BlockDeviceMappings);
        Assert.Equal("/dev/xvda", root.DeviceName);
        Assert.Matches("^snap-[0-9a-f]{17}$", root.Ebs.SnapshotId);
        Assert.Equal(8, root.Ebs.VolumeSize);
        Assert.False(root.Ebs.Encrypted);
        Assert.True(root.Ebs.DeleteOnTermination);
        var sourceSnapshot = (await h.DescribeAsync(Source, sourceId)).BlockDeviceMappings[0].Ebs.SnapshotId;
        Assert.NotEqual(sourceSnapshot, root.Ebs.SnapshotId);
        Assert.Contains(h.Simulator.Snapshots(Destination), snapshot => snapshot.SnapshotId == root.Ebs.SnapshotId && snapshot.State == "completed");
    }

    [Fact]
    public async Task An_injected_failure_ends_the_copy_failed_with_its_reason()
    {
        await using var h = await Harness.StartAsync();
        var sourceId = await h.RegisterAsync(Source);
        h.Simulator.FailNextCopies(Destination, 1, new StateReason("Server.InternalError", "boom"));

        var failedId = await h.CopyAsync(sourceId);
        var okId = await h.CopyAsync(sourceId);
        Assert.Equal("pending", (await h.DescribeAsync(Destination, failedId)).State.Value);
        h.Clock.Advance(TimeSpan.FromMinutes(5));

        var failed = await h.DescribeAsync(Destination, failedId);
        Assert.Equal("failed", failed.State.Value);
        Assert.Equal("Server.InternalError", failed.StateReason.Code);
        Assert.Equal("boom", failed.StateReason.Message);
        Assert.Equal("available", (await h.DescribeAsync(Destination, okId)).State.Value);
    }

    [Fact]
    public async Task A_kms_key_of_another_region_is_accepted_at_the_call_and_fails_the_copy_later()
    {
        await using var h = await Harness.StartAsync();
        var sourceId = await h.RegisterAsync(Source);
        var sourceRegionKey = h.Simulator.CreateKmsKey(Source);
        var destinationKey = h.Simulator.CreateKmsKey(Destination, "alias/golden");

        var badId = await h.CopyAsync(sourceId, configure: r => (r.Encrypted, r.KmsKeyId) = (true, sourceRegionKey));
        var goodId = await h.CopyAsync(sourceId, configure: r => (r.Encrypted, r.KmsKeyId) = (true, "alias/golden"));
        Assert.Equal("pending", (await h.DescribeAsync(Destination, badId)).State.Value);
        h.Clock.Advance(TimeSpan.FromMinutes(5));

        var bad = await h.DescribeAsync(Destination, badId);
        Assert.Equal("failed", bad.State.Value);
        Assert.Equal("Copy image failed with an internal error.", bad.StateReason.Message);
        var good = await h.DescribeAsync(Destination, goodId);
        Assert.Equal("available", good.State.Value);
        Assert.True(good.BlockDeviceMappings[0].Ebs.Encrypted);
        Assert.Equal(destinationKey, good.BlockDeviceMappings[0].Ebs.KmsKeyId);
    }

    [Fact]
    public async Task Deregistering_a_pending_copy_stops_it_for_good()
    {
        await using var h = await Harness.StartAsync();
        var sourceId = await h.RegisterAsync(Source);
        var copyId = await h.CopyAsync(sourceId);

        await h.Client(Destination).DeregisterImageAsync(new DeregisterImageRequest(copyId));
        h.Clock.Advance(TimeSpan.FromMinutes(10));

        var answer = await h.Client(Destination).DescribeImagesAsync(new DescribeImagesRequest { ImageIds = [copyId] });
        Assert.Empty(answer.Images ?? []);
        Assert.Equal("deregistered", h.Simulator.FindImage(Destination, copyId)!.State);
        Assert.Equal(0, h.Simulator.PendingCopies(Destination));
        await Ec2Assert.ErrorAsync("InvalidAMIID.Unavailable", () => h.Client(Destination).DeregisterImageAsync(new DeregisterImageRequest(copyId)));
    }

    [Fact]
    public async Task Each_state_change_is_emitted_exactly_once_at_the_time_it_happened()
    {
        await using var h = await Harness.StartAsync();
        var raised = new List<ImageStateChange>();
        h.Simulator.ImageStateChanged += (_, change) =>
        {
            lock (raised)
            {
                raised.Add(change);
            }
        };
        var sourceId = await h.RegisterAsync(Source);
        var copyId = await h.CopyAsync(sourceId);
        h.Simulator.FailNextCopies(Destination, 1);
        var failedId = await h.CopyAsync(sourceId);
        var cancelledId = await h.CopyAsync(sourceId);
        h.Clock.Advance(TimeSpan.FromMinutes(1));
        await h.Client(Destination).DeregisterImageAsync(new DeregisterImageRequest(cancelledId));

        h.Clock.Advance(TimeSpan.FromMinutes(30));
        _ = h.Simulator.StateChanges();
        await h.DescribeAsync(Destination, copyId);
        var changes = h.Simulator.StateChanges();

        var start = new DateTimeOffset(2026, 11, 25, 10, 0, 0, TimeSpan.Zero);
        Assert.Equal(
            [
                (Source, sourceId, "available", start),
                (Destination, cancelledId, "deregistered", start.AddMinutes(1)),
                (Destination, copyId, "available", start.AddMinutes(5)),
                (Destination, failedId, "failed", start.AddMinutes(5)),
            ],
            changes.Select(c => (c.Region, c.ImageId, c.State, c.Time)).OrderBy(c => c.Item4).ThenBy(c => c.Item3));
        Assert.Equal(changes, raised);
        Assert.Equal("Copy image failed with an internal error.", changes.Single(c => c.State == "failed").ErrorMessage);
        Assert.Contains("\"detail-type\":\"EC2 AMI State Change\"", changes[0].ToEventBridgeJson(), StringComparison.Ordinal);
        Assert.Contains($"\"resources\":[\"arn:aws:ec2:{Source}::image/{sourceId}\"]", changes[0].ToEventBridgeJson(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_state_change_handler_may_read_the_simulator()
    {
        await using var h = await Harness.StartAsync();
        var seen = new List<string>();
        h.Simulator.ImageStateChanged += (_, change) => seen.Add(h.Simulator.FindImage(change.Region, change.ImageId)!.State);
        var copyId = await h.CopyAsync(await h.RegisterAsync(Source));

        h.Clock.Advance(TimeSpan.FromMinutes(5));
        await h.DescribeAsync(Destination, copyId);

        Assert.Equal(["available", "available"], seen);
    }
}
