namespace AmiReplicator.Ec2Simulator.Model;

/// <summary>CopyImage: refusals at the call, limits, idempotency, and the pending copy it starts.</summary>
internal sealed partial class Ec2Cloud
{
    /// <summary>The copy is the caller's: made in, counted against and named in the caller's account in the destination.</summary>
    public string CopyImage(string accountId, string destinationName, CopyImageInput input) => Run(() =>
    {
        var destination = Region(accountId, destinationName);
        var sourceImageId = input.SourceImageId ?? throw Ec2Errors.Missing("SourceImageId");
        var sourceRegionName = input.SourceRegion ?? throw Ec2Errors.Missing("SourceRegion");
        var name = input.Name ?? throw Ec2Errors.Missing("Name");

        if (input.ClientToken is { } token)
        {
            if (token.Length > 64)
            {
                throw Ec2Errors.InvalidValue("The client token must be at most 64 ASCII characters.");
            }

            if (destination.ClientTokens.TryGetValue(token, out var earlier))
            {
                return earlier.Fingerprint == input.Fingerprint()
                    ? earlier.ImageId
                    : throw new Ec2Exception(
                        "IdempotentParameterMismatch",
                        "Arguments on this idempotent request are inconsistent with arguments used in previous request(s).");
            }
        }

        if (input.DestinationOutpostArn is not null)
        {
            throw Ec2Errors.InvalidValue("Copies to Outposts are not modelled by the simulator.");
        }

        if (input.CompletionDurationMinutes is { } minutes && (minutes < 15 || minutes > 2880 || minutes % 15 != 0))
        {
            throw Ec2Errors.InvalidValue(
                "SnapshotCopyCompletionDurationMinutes must be between 15 and 2880, in increments of 15.");
        }

        RequireEncryptedForKey(input.Encrypted, input.KmsKeyId);
        ValidateDescription(input.Description);
        var tagSpecs = ValidateTagSpecifications(input.TagSpecifications);
        CheckTagPolicy(destination, tagSpecs);
        if (!_regions.ContainsKey(sourceRegionName))
        {
            throw Ec2Errors.InvalidValue($"Invalid source region: {sourceRegionName}");
        }

        var sourceRegion = Region(accountId, sourceRegionName);
        CheckAccess(sourceRegion);
        var source = RequireImage(sourceRegion, sourceImageId);
        CheckCopyable(accountId, source, input.Encrypted);
        ValidateName(destination, name);
        CheckCopyLimits(destination, sourceRegion.Name);
        var timeBased = input.CompletionDurationMinutes is { } duration ? GrantThroughput(destination, sourceRegion.Name, source, duration) : ((double, double)?)null;

        var copy = StartCopy(destination, sourceRegion, source, input, name, tagSpecs, timeBased);
        if (input.ClientToken is { } newToken)
        {
            destination.ClientTokens[newToken] = (input.Fingerprint(), copy.Id);
        }

        return copy.Id;
    });

    /// <summary>What EC2 refuses to copy at the call (docs/ec2-behaviour.md, "Images of other accounts" and "Encryption").</summary>
    private void CheckCopyable(string copierId, SimImage source, bool? encrypted)
    {
        if (source.State == ImageStates.Pending)
        {
            throw Ec2Errors.AmiPending(source.Id);
        }

        if (source.State != ImageStates.Available)
        {
            throw Ec2Errors.IncorrectState(source.Id, source.State);
        }

        if (source.OwnerId != copierId)
        {
            // The first two wordings are EC2's (seen in cloudigrade/cloudigrade's handling of CopyImage errors).
            if (source.IsFromMarketplace)
            {
                throw Ec2Errors.InvalidRequest("Images from AWS Marketplace cannot be copied to another AWS account");
            }

            if (source.HasBillingProduct)
            {
                throw Ec2Errors.InvalidRequest("Images with EC2 BillingProduct codes cannot be copied to another AWS account");
            }

            // An EBS image's storage is its snapshots, shared one by one (createVolumePermission); an instance-store image's its bucket.
            if (source.RootDeviceType == "ebs" ? !SnapshotsOf(source).All(snapshot => snapshot.IsReadableBy(copierId)) : !source.StorageReadable)
            {
                throw Ec2Errors.InvalidRequest("You do not have permission to access the storage of this ami");
            }
        }

        if (encrypted == false && source.BlockDevices.FirstOrDefault(device => device.Encrypted) is { } encryptedDevice)
        {
            // Asking explicitly for an unencrypted copy of an encrypted snapshot (hashicorp/packer#6789).
            throw Ec2Errors.InvalidRequest(
                $"Snapshot {encryptedDevice.SnapshotId} is encrypted. Creating an unencrypted copy from an encrypted snapshot is not supported.");
        }

        if (encrypted == true && source.RootDeviceType == "instance-store")
        {
            throw Ec2Errors.InvalidRequest("Encryption cannot be changed by copying an instance store-backed AMI: it has no snapshots.");
        }
    }

    /// <summary>The seed's limits, per account: its copies pending into a destination, and from one source region into it.</summary>
    private void CheckCopyLimits(RegionState destination, string sourceRegion)
    {
        var copies = PendingCopies(destination, sourceRegion);
        var reserved = ReservedSlots(destination, sourceRegion);
        if (copies.All + reserved.All >= _options.MaxConcurrentCopiesPerDestination)
        {
            throw Ec2Errors.ResourceLimitExceeded(
                $"You have reached the maximum number of concurrent AMI copies ({_options.MaxConcurrentCopiesPerDestination}) into {destination.Name}.");
        }

        if (copies.FromSource + reserved.FromSource >= _options.MaxConcurrentCopiesPerSourceRegion)
        {
            throw Ec2Errors.ResourceLimitExceeded(
                $"You have reached the maximum number of concurrent AMI copies ({_options.MaxConcurrentCopiesPerSourceRegion}) from {sourceRegion} into {destination.Name}.");
        }
    }

    /// <summary>
    /// A time-based copy: each snapshot asks for the rate that moves it within the duration, at most 500 MiB/s, against what the
    /// pending time-based copies from the same source region hold of the pair's throughput. With too little left the copy gets
    /// what is left and runs late in proportion; with nothing left EC2 refuses it (docs/ec2-behaviour.md, "Time-based copies").
    /// </summary>
    private (double GrantedMiBps, double Slowdown) GrantThroughput(RegionState destination, string sourceRegion, SimImage source, int durationMinutes)
    {
        var asked = source.BlockDevices.Where(device => device.SnapshotId is not null)
            .Sum(device => Math.Min(MaxSnapshotCopyMiBps, (device.VolumeSize ?? 8) * 1024.0 / (durationMinutes * 60)));
        var held = PendingCopiesOf(destination).Where(image => image.SourceRegion == sourceRegion).Sum(image => image.SnapshotCopyMiBps);
        var left = _options.SnapshotCopyThroughputMiBpsPerPair - held;
        if (asked > 0 && left <= 0)
        {
            throw Ec2Errors.ResourceLimitExceeded(
                $"You have reached the snapshot copy throughput quota ({_options.SnapshotCopyThroughputMiBpsPerPair} MiB/s) for time-based copies from {sourceRegion} into {destination.Name}.");
        }

        var granted = Math.Min(asked, left);
        return (granted, granted >= asked ? 1 : asked / granted);
    }

    private const double MaxSnapshotCopyMiBps = 500;

    /// <summary>The account's copies started by CopyImage and still pending in the destination: all, and those from one source.</summary>
    private static (int All, int FromSource) PendingCopies(RegionState destination, string sourceRegion)
    {
        var copies = PendingCopiesOf(destination).ToList();
        return (copies.Count, copies.Count(image => image.SourceRegion == sourceRegion));
    }

    /// <summary>The account's pending copies into the region: each account's copy limits count its own.</summary>
    private static IEnumerable<SimImage> PendingCopiesOf(RegionState destination) =>
        destination.Images.Values.Where(image => image.IsPendingCopy && image.OwnerId == destination.AccountId);

    /// <summary>Slots held by the account's other tools: all, and those counted against one source.</summary>
    private static (int All, int FromSource) ReservedSlots(RegionState destination, string sourceRegion) =>
        (destination.Reservations.Sum(reservation => reservation.Count),
            destination.Reservations.Where(reservation => reservation.SourceRegion == sourceRegion).Sum(reservation => reservation.Count));

    private SimImage StartCopy(
        RegionState destination,
        RegionState sourceRegion,
        SimImage source,
        CopyImageInput input,
        string name,
        Dictionary<string, IReadOnlyList<KeyValuePair<string, string>>> tagSpecs,
        (double GrantedMiBps, double Slowdown)? timeBased)
    {
        var now = Now;
        var visibleFrom = now + _options.DescribeVisibilityDelay;
        var imageId = NewImageId();

        // KMS is checked asynchronously: an unknown key is accepted here and fails the copy later.
        var requestedKey = input.Encrypted == true ? ResolveKmsKey(destination, input.KmsKeyId) : null;
        // The keys of a shared source are checked the same way: one its owner did not share with the account fails the copy later.
        var keyIsBad = (input.Encrypted == true && requestedKey is null)
            || source.BlockDevices.Any(device => device.Encrypted && !IsUsableKey(destination.AccountId, device.KmsKeyId));
        var devices = new List<BlockDeviceInfo>();
        foreach (var device in source.BlockDevices)
        {
            if (device.SnapshotId is null)
            {
                devices.Add(device);
                continue;
            }

            var encrypted = device.Encrypted || input.Encrypted == true;
            var keyArn = !encrypted ? null
                : input.Encrypted == true ? requestedKey ?? input.KmsKeyId
                : sourceRegion == destination && source.OwnerId == destination.AccountId ? device.KmsKeyId
                : destination.DefaultKmsKeyArn; // a key of the account's own: another region's or account's key cannot be kept
            var snapshot = new SimSnapshot
            {
                Id = NewSnapshotId(),
                Region = destination.Name,
                OwnerId = destination.AccountId,
                VolumeSize = device.VolumeSize ?? 8,
                Encrypted = encrypted,
                KmsKeyId = keyArn,
                State = "pending",
                Description = $"Copied for DestinationAmi {imageId} from SourceAmi {source.Id} for SourceSnapshot {device.SnapshotId}.",
                VisibleFrom = visibleFrom,
            };
            foreach (var tag in tagSpecs.GetValueOrDefault("snapshot") ?? [])
            {
                snapshot.Tags[tag.Key] = tag.Value;
            }

            destination.Snapshots.Add(snapshot.Id, snapshot);
            devices.Add(device with { SnapshotId = snapshot.Id, Encrypted = encrypted, KmsKeyId = keyArn });
        }

        var copyInfo = new CopyInfo(imageId, sourceRegion.Name, source.Id, destination.Name, devices.Sum(device => device.VolumeSize ?? 0));
        var duration = _options.CopyDurationFor?.Invoke(copyInfo)
            ?? (input.CompletionDurationMinutes is { } minutes ? TimeSpan.FromMinutes(minutes) : _options.CopyDuration);
        var (granted, slowdown) = timeBased ?? (0, 1);
        destination.Shared.CopyFailures.TryDequeue(out var injectedFailure);
        var completesAt = now + duration * slowdown;
        var copy = new SimImage
        {
            Id = imageId,
            Region = destination.Name,
            OwnerId = destination.AccountId,
            Name = name,
            Description = input.Description ?? $"[Copied {source.Id} from {sourceRegion.Name}] {source.Description}".TrimEnd(),
            State = ImageStates.Pending,
            CreationDate = now,
            VisibleFrom = visibleFrom,
            CompletesAt = completesAt,
            RootDeviceType = source.RootDeviceType,
            RootDeviceName = source.RootDeviceName,
            ImageLocation = source.RootDeviceType == "ebs"
                ? $"{destination.AccountId}/{name}"
                : $"amis-for-{destination.AccountId}-in-{destination.Name}/{name}.manifest.xml",
            Architecture = source.Architecture,
            PlatformDetails = source.PlatformDetails,
            ProductCodes = source.ProductCodes,
            BlockDevices = devices,
            SourceImageId = source.Id,
            SourceRegion = sourceRegion.Name,
            PlannedFailure = injectedFailure ?? (keyIsBad ? StateReason.CopyInternalError : null),
            SnapshotCopyMiBps = granted,
        };

        // Like EC2: no launch permissions, no deprecation, and only our own user tags when asked.
        if (input.CopyImageTags == true)
        {
            foreach (var tag in source.TagsOf(destination.AccountId).Where(tag => !tag.Key.StartsWith("aws:", StringComparison.Ordinal)))
            {
                copy.OwnerTags[tag.Key] = tag.Value;
            }
        }

        foreach (var tag in tagSpecs.GetValueOrDefault("image") ?? [])
        {
            copy.OwnerTags[tag.Key] = tag.Value;
        }

        destination.Images.Add(copy.Id, copy);
        _pendingCopies.Enqueue(copy, completesAt);
        var (pending, pendingFromSource) = PendingCopies(destination, sourceRegion.Name);
        destination.PeakPendingCopies = Math.Max(destination.PeakPendingCopies, pending);
        destination.PeakPendingCopiesFrom[sourceRegion.Name] = Math.Max(
            destination.PeakPendingCopiesFrom.GetValueOrDefault(sourceRegion.Name), pendingFromSource);
        return copy;
    }
}
