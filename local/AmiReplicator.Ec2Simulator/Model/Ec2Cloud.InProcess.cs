namespace AmiReplicator.Ec2Simulator.Model;

/// <summary>What tests and the local run do in-process: seeding, faults and observations.</summary>
internal sealed partial class Ec2Cloud
{
    public string SeedImage(string regionName, SeedImage seed) => Run(() =>
    {
        var ownerId = seed.OwnerId ?? DefaultAccountId;
        RequireAccountId(ownerId);
        var region = Region(ownerId, regionName);
        var now = Now;
        var imageId = seed.ImageId ?? NewImageId();
        if (!ResourceIds.IsImageId(imageId) || _regions.Values.Any(r => r.Images.ContainsKey(imageId)))
        {
            throw new ArgumentException($"Image id '{imageId}' is malformed or already used.", nameof(seed));
        }

        var devices = new List<BlockDeviceInfo>();
        if (seed.RootDeviceType == "ebs")
        {
            foreach (var volume in seed.Volumes.Count > 0 ? seed.Volumes : [new SeedVolume(seed.RootDeviceName)])
            {
                var keyArn = volume.Encrypted ? ResolveKmsKey(region, volume.KmsKeyId) ?? volume.KmsKeyId : null;
                var snapshot = new SimSnapshot
                {
                    Id = NewSnapshotId(),
                    Region = region.Name,
                    OwnerId = ownerId,
                    VolumeSize = volume.SizeGiB,
                    Encrypted = volume.Encrypted,
                    KmsKeyId = keyArn,
                    State = "completed",
                    Description = $"Created for seeded image {imageId}",
                    VisibleFrom = now,
                };
                foreach (var tag in volume.Tags)
                {
                    snapshot.Tags[tag.Key] = tag.Value;
                }

                if (seed.StorageReadable)
                {
                    // Readable storage: the owner shared each snapshot with the accounts it shared the image with (or everyone).
                    snapshot.CreateVolumePermissions.AddRange(seed.LaunchPermissions.Where(entry => entry.UserId is not null || entry.Group is not null).Distinct());
                }

                region.Snapshots.Add(snapshot.Id, snapshot);
                devices.Add(new BlockDeviceInfo(
                    volume.DeviceName, null, snapshot.Id, volume.SizeGiB, volume.VolumeType, true, volume.Encrypted, keyArn));
            }
        }
        else if (seed.RootDeviceType != "instance-store")
        {
            throw new ArgumentException($"RootDeviceType must be 'ebs' or 'instance-store', not '{seed.RootDeviceType}'.", nameof(seed));
        }

        var image = new SimImage
        {
            Id = imageId,
            Region = region.Name,
            OwnerId = ownerId,
            Name = seed.Name,
            Description = seed.Description,
            State = seed.State,
            Reason = seed.State == ImageStates.Failed ? StateReason.CopyInternalError : null,
            CreationDate = seed.CreationDate ?? now,
            VisibleFrom = now,
            RootDeviceType = seed.RootDeviceType,
            RootDeviceName = seed.RootDeviceName,
            ImageLocation = seed.ImageLocation ?? (seed.RootDeviceType == "ebs"
                ? $"{ownerId}/{seed.Name}"
                : $"{seed.Name}-bucket/{seed.Name}.manifest.xml"),
            Architecture = seed.Architecture,
            PlatformDetails = seed.PlatformDetails,
            ProductCodes = seed.ProductCodes,
            BlockDevices = devices,
            DeprecationTime = seed.DeprecationTime,
            StorageReadable = seed.StorageReadable,
        };
        foreach (var tag in seed.Tags)
        {
            image.OwnerTags[tag.Key] = tag.Value;
        }

        image.LaunchPermissions.AddRange(seed.LaunchPermissions.Distinct());
        region.Images.Add(image.Id, image);
        if (image.State is ImageStates.Available or ImageStates.Failed)
        {
            RecordStateChange(image, now);
        }

        return image.Id;
    });

    public void SetImageBlockPublicAccess(string accountId, string regionName, bool enabled) =>
        Run(() => Region(accountId, regionName).BlockPublicAccess = enabled);

    public void SetRegionAccess(string accountId, string regionName, RegionAccess access) => Run(() => Region(accountId, regionName).Access = access);

    public void InjectFault(string regionName, string action, int count, ApiFault fault) => Run(() =>
    {
        var faults = Shared(regionName).Faults;
        if (!faults.TryGetValue(action, out var queue))
        {
            faults[action] = queue = new Queue<ApiFault>();
        }

        for (var i = 0; i < count; i++)
        {
            queue.Enqueue(fault);
        }
    });

    public void FailNextCopies(string regionName, int count, StateReason reason) => Run(() =>
    {
        for (var i = 0; i < count; i++)
        {
            Shared(regionName).CopyFailures.Enqueue(reason);
        }
    });

    public IDisposable OccupyCopySlots(string accountId, string regionName, int count, string? sourceRegion) => Run(() =>
    {
        var region = Region(accountId, regionName);
        var reservation = new SlotReservation(sourceRegion, count);
        region.Reservations.Add(reservation);
        return (IDisposable)new Release(() => Run(() => region.Reservations.Remove(reservation)));
    });

    /// <summary>Deregisters any image, another account's too (an owner withdrawing a shared source).</summary>
    public void ForceDeregister(string regionName, string imageId) => Run(() =>
    {
        if (!Shared(regionName).Images.TryGetValue(imageId, out var image) || image.State == ImageStates.Deregistered)
        {
            throw new ArgumentException($"No image {imageId} to deregister in {regionName}.", nameof(imageId));
        }

        Deregister(image, deleteSnapshots: image.State == ImageStates.Pending);
    });

    /// <summary>A seeded pending image (one being baked by a pipeline) becomes available, with its state change event.</summary>
    public void FinishPendingImage(string regionName, string imageId) => Run(() =>
    {
        if (!Shared(regionName).Images.TryGetValue(imageId, out var image) || image.State != ImageStates.Pending || image.SourceImageId is not null)
        {
            throw new ArgumentException($"No seeded pending image {imageId} in {regionName}.", nameof(imageId));
        }

        image.State = ImageStates.Available;
        RecordStateChange(image, Now);
    });

    /// <summary>Every image of the region, whoever owns it, with the tags <paramref name="viewerAccountId"/> sees.</summary>
    public IReadOnlyList<ImageInfo> Images(string viewerAccountId, string regionName) => Run(() =>
        (IReadOnlyList<ImageInfo>)Shared(regionName).Images.Values
            .OrderBy(image => image.CreationDate)
            .Select(image => image.ToInfo(viewerAccountId))
            .ToList());

    /// <summary>Every snapshot of the region, as its owner sees it.</summary>
    public IReadOnlyList<SnapshotInfo> Snapshots(string regionName) => Run(() =>
        (IReadOnlyList<SnapshotInfo>)Shared(regionName).Snapshots.Values.Select(snapshot => snapshot.ToInfo(snapshot.OwnerId)).ToList());

    /// <summary>When the next pending copy of any account in any region completes, or null when none is pending.</summary>
    public DateTimeOffset? NextCopyCompletion() => Run(() =>
    {
        while (_pendingCopies.TryPeek(out var image, out var completesAt))
        {
            if (image.State == ImageStates.Pending)
            {
                return (DateTimeOffset?)completesAt;
            }

            _pendingCopies.Dequeue(); // Deregistered while pending: it never completes.
        }

        return null;
    });

    public int PendingCopyCount(string accountId, string destination) => Run(() => PendingCopiesOf(Region(accountId, destination)).Count());

    public int PeakPendingCopies(string accountId, string destination) => Run(() => Region(accountId, destination).PeakPendingCopies);

    public int PeakPendingCopies(string accountId, string sourceRegion, string destination) => Run(() =>
        Region(accountId, destination).PeakPendingCopiesFrom.GetValueOrDefault(sourceRegion));

    public int CallCount(string regionName, string action) => Run(() => Shared(regionName).Calls.GetValueOrDefault(action));

    public int ErrorCount(string regionName, string code) => Run(() => Shared(regionName).Errors.GetValueOrDefault(code));

    /// <summary>The events delivered so far to the account's buses, in emission order.</summary>
    public IReadOnlyList<ImageStateChange> StateChanges(string accountId) => Run(() =>
        (IReadOnlyList<ImageStateChange>)[.. _stateChanges.Where(change => change.AccountId == accountId || ForwardedTo(change) == accountId)]);

    /// <summary>
    /// A rule in the account (the replicator's spoke) forwards its AMIs' <c>available</c> and <c>failed</c> events to the default bus of
    /// <paramref name="homeAccountId"/>, which receives them as EventBridge delivers a forwarded event: still naming the account of
    /// the image.
    /// </summary>
    public void ForwardCopyEvents(string accountId, string homeAccountId) => Run(() =>
    {
        RequireAccountId(accountId);
        RequireAccountId(homeAccountId);
        _eventForwarding[accountId] = homeAccountId;
    });

    /// <summary>The account whose bus the event is forwarded to as well, if any.</summary>
    public string? ForwardedTo(ImageStateChange change)
    {
        lock (_gate)
        {
            return change.State is "available" or "failed" && _eventForwarding.TryGetValue(change.AccountId, out var home) ? home : null;
        }
    }

    private sealed class Release(Action release) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                release();
            }
        }
    }
}
