using System.Globalization;
using System.Text.RegularExpressions;

namespace AmiReplicator.Ec2Simulator.Model;

/// <summary>Images and their attributes: everything but CopyImage.</summary>
internal sealed partial class Ec2Cloud
{
    private const int MaxTagsPerResource = 50;
    private const int MaxLaunchPermissions = 1000;
    private const int MaxFilterValues = 200;

    private static readonly HashSet<string> TaggableOnCreate = new(StringComparer.Ordinal) { "image", "snapshot" };

    public string RegisterImage(string accountId, string regionName, RegisterImageInput input) => Run(() =>
    {
        var region = Region(accountId, regionName);
        var name = input.Name ?? throw Ec2Errors.Missing("Name");
        ValidateName(region, name);
        ValidateDescription(input.Description);
        var tagSpecs = ValidateTagSpecifications(input.TagSpecifications);
        var now = Now;
        var imageId = NewImageId();
        var ebsDevices = input.BlockDevices.Where(device => !device.NoDevice)
            .SelectMany(device => device.Ebs is { } ebs ? [(Device: device, Ebs: ebs)] : Array.Empty<(BlockDeviceInput Device, EbsInput Ebs)>())
            .ToList();
        var instanceStore = input.ImageLocation is not null && ebsDevices.Count == 0;
        var rootDeviceName = input.RootDeviceName ?? (instanceStore ? "/dev/sda1" : "/dev/xvda");
        if (!instanceStore && ebsDevices.Count == 0)
        {
            ebsDevices.Add((new BlockDeviceInput(rootDeviceName, null, false, null), new EbsInput(null, null, null, null, null, null)));
        }

        var devices = new List<BlockDeviceInfo>();
        foreach (var device in input.BlockDevices.Where(device => device.Ebs is null && !device.NoDevice))
        {
            var deviceName = device.DeviceName ?? throw Ec2Errors.Missing("BlockDeviceMapping.N.DeviceName");
            devices.Add(new BlockDeviceInfo(deviceName, device.VirtualName, null, null, null, false, false, null));
        }

        foreach (var (device, ebs) in ebsDevices)
        {
            var deviceName = device.DeviceName ?? throw Ec2Errors.Missing("BlockDeviceMapping.N.DeviceName");
            var snapshot = SnapshotForRegistration(region, ebs, imageId, tagSpecs.GetValueOrDefault("snapshot"), now);
            devices.Insert(deviceName == rootDeviceName ? 0 : devices.Count, new BlockDeviceInfo(
                deviceName, null, snapshot.Id, ebs.VolumeSize ?? snapshot.VolumeSize, ebs.VolumeType ?? "gp3",
                ebs.DeleteOnTermination ?? true, snapshot.Encrypted, snapshot.KmsKeyId));
        }

        var image = new SimImage
        {
            Id = imageId,
            Region = region.Name,
            OwnerId = region.AccountId,
            Name = name,
            Description = input.Description,
            State = ImageStates.Available,
            CreationDate = now,
            VisibleFrom = now,
            RootDeviceType = instanceStore ? "instance-store" : "ebs",
            RootDeviceName = rootDeviceName,
            ImageLocation = input.ImageLocation ?? $"{region.AccountId}/{name}",
            Architecture = input.Architecture ?? "x86_64",
            PlatformDetails = PlatformDetailsCatalog.LinuxUnix,
            ProductCodes = [],
            BlockDevices = devices,
        };
        foreach (var tag in tagSpecs.GetValueOrDefault("image") ?? [])
        {
            image.OwnerTags[tag.Key] = tag.Value;
        }

        region.Images.Add(image.Id, image);
        RecordStateChange(image, now);
        return image.Id;
    });

    /// <summary>RegisterImage names an existing snapshot, or (a simulator shortcut) describes one to create.</summary>
    private SimSnapshot SnapshotForRegistration(
        RegionState region, EbsInput ebs, string imageId, IReadOnlyList<KeyValuePair<string, string>>? tags, DateTimeOffset now)
    {
        if (ebs.SnapshotId is { } snapshotId)
        {
            return FindOwnSnapshot(region, snapshotId) ?? throw Ec2Errors.SnapshotNotFound(snapshotId);
        }

        RequireEncryptedForKey(ebs.Encrypted, ebs.KmsKeyId);
        var encrypted = ebs.Encrypted == true;
        var snapshot = new SimSnapshot
        {
            Id = NewSnapshotId(),
            Region = region.Name,
            OwnerId = region.AccountId,
            VolumeSize = ebs.VolumeSize ?? 8,
            Encrypted = encrypted,
            KmsKeyId = encrypted ? ResolveKmsKey(region, ebs.KmsKeyId) ?? ebs.KmsKeyId : null,
            State = "completed",
            Description = $"Created for RegisterImage of {imageId}",
            VisibleFrom = now,
        };
        foreach (var tag in tags ?? [])
        {
            snapshot.Tags[tag.Key] = tag.Value;
        }

        region.Snapshots.Add(snapshot.Id, snapshot);
        return snapshot;
    }

    public (IReadOnlyList<ImageInfo> Images, string? NextToken) DescribeImages(string accountId, string regionName, DescribeImagesInput input) => Run(() =>
    {
        var region = Region(accountId, regionName);
        foreach (var id in input.ImageIds.Where(id => !ResourceIds.IsImageId(id)))
        {
            throw Ec2Errors.AmiMalformed(id);
        }

        if (input.ImageIds.Count > 0 && input.MaxResults is not null)
        {
            throw new Ec2Exception(
                "InvalidParameterCombination", "The parameter imageIdsSet cannot be used with the parameter maxResults");
        }

        if (input.MaxResults is < 5 or > 1000)
        {
            throw Ec2Errors.InvalidValue($"Value ( {input.MaxResults} ) for parameter maxResults is invalid. Expecting a value between 5 and 1000.");
        }

        foreach (var filter in input.Filters)
        {
            if (filter.Values.Count > MaxFilterValues)
            {
                throw new Ec2Exception(
                    "FilterLimitExceeded", $"The maximum number of filter values specified on a single call is {MaxFilterValues}");
            }

            if (!IsKnownFilter(filter.Name))
            {
                throw Ec2Errors.InvalidValue($"The filter '{filter.Name}' is invalid");
            }
        }

        var now = Now;
        IEnumerable<SimImage> images;
        if (input.ImageIds.Count > 0)
        {
            // Asked by id: unknown ids fail the call; recently deregistered ones just answer nothing.
            var missing = input.ImageIds
                .Where(id => !region.Images.TryGetValue(id, out var image) || !IsVisible(region, image, now))
                .Distinct(StringComparer.Ordinal)
                .ToList();
            if (missing.Count > 0)
            {
                throw Ec2Errors.AmiNotFound(missing);
            }

            // Where Allowed AMIs is enabled only allowed images are returned, also when asked by id.
            images = input.ImageIds.Distinct(StringComparer.Ordinal).Select(id => region.Images[id]).Where(image => IsAllowed(region, image));
        }
        else
        {
            // Listing hides other accounts' deprecated images unless asked (DescribeImages IncludeDeprecated).
            // Disabled images are listed only to their owner, and only when asked (IncludeDisabled).
            images = region.Images.Values.Where(image =>
                IsVisible(region, image, now)
                && IsAllowed(region, image)
                && (image.OwnerId == region.AccountId || input.IncludeDeprecated || !image.IsDeprecatedAt(now))
                && (image.State != ImageStates.Disabled || (image.OwnerId == region.AccountId && input.IncludeDisabled)));
        }

        var owners = input.Owners.Select(owner => owner == "self" ? region.AccountId : owner).ToHashSet(StringComparer.Ordinal);
        var matching = images
            .Where(image => image.State != ImageStates.Deregistered)
            .Where(image => owners.Count == 0 || owners.Contains(image.OwnerId))
            .Where(image => input.ExecutableBy.Count == 0 || input.ExecutableBy.Any(user => IsExecutableBy(image, user == "self" ? region.AccountId : user)))
            .Where(image => input.Filters.All(filter => Matches(image, image.TagsOf(region.AccountId), filter)))
            .OrderBy(image => image.CreationDate)
            .ThenBy(image => image.Id, StringComparer.Ordinal)
            .ToList();

        var start = input.NextToken is null ? 0 : ParseNextToken(input.NextToken);
        var take = input.MaxResults ?? int.MaxValue;
        var page = matching.Skip(start).Take(take).Select(image => image.ToInfo(region.AccountId)).ToList();
        var nextToken = start + page.Count < matching.Count
            ? (start + page.Count).ToString(CultureInfo.InvariantCulture)
            : null;
        return ((IReadOnlyList<ImageInfo>)page, nextToken);
    });

    private static int ParseNextToken(string token) =>
        int.TryParse(token, NumberStyles.None, CultureInfo.InvariantCulture, out var start)
            ? start
            : throw Ec2Errors.InvalidValue($"Invalid NextToken: {token}");

    /// <summary>ExecutableBy: public images for "all"; for an account, the images a launch permission names it in (its own are not
    /// among them unless so shared).</summary>
    private bool IsExecutableBy(SimImage image, string user) =>
        user == "all" ? image.IsPublic : image.IsExplicitlySharedWith(user, MembershipOf(user));

    private static bool IsKnownFilter(string name) =>
        name.StartsWith("tag:", StringComparison.Ordinal) || name is "image-id" or "state" or "name" or "description"
            or "owner-id" or "is-public" or "root-device-type" or "architecture" or "platform-details"
            or "product-code" or "source-image-id" or "source-image-region" or "tag-key";

    private static bool Matches(SimImage image, Dictionary<string, string> tags, FilterInput filter)
    {
        IEnumerable<string?> actual = filter.Name switch
        {
            "image-id" => [image.Id],
            "state" => [image.State],
            "name" => [image.Name],
            "description" => [image.Description],
            "owner-id" => [image.OwnerId],
            "is-public" => [image.IsPublic ? "true" : "false"],
            "root-device-type" => [image.RootDeviceType],
            "architecture" => [image.Architecture],
            "platform-details" => [image.PlatformDetails],
            "product-code" => image.ProductCodes.Select(code => (string?)code.Id),
            "source-image-id" => [image.SourceImageId],
            "source-image-region" => [image.SourceRegion],
            "tag-key" => tags.Keys.Select(key => (string?)key),
            _ => tags.TryGetValue(filter.Name["tag:".Length..], out var value) ? [value] : [],
        };
        return actual.Any(value => value is not null && filter.Values.Any(pattern => WildcardMatches(pattern, value)));
    }

    /// <summary>EC2 filter values take * and ? wildcards, case-sensitively.</summary>
    private static bool WildcardMatches(string pattern, string value) =>
        pattern.AsSpan().IndexOfAny('*', '?') < 0
            ? string.Equals(pattern, value, StringComparison.Ordinal)
            : Regex.IsMatch(
                value,
                "^" + Regex.Escape(pattern).Replace(@"\*", ".*", StringComparison.Ordinal).Replace(@"\?", ".", StringComparison.Ordinal) + "$",
                RegexOptions.Singleline | RegexOptions.CultureInvariant);

    public void DeregisterImage(string accountId, string regionName, string imageId, bool deleteSnapshots) => Run(() =>
    {
        var region = Region(accountId, regionName);
        var image = RequireOwnImage(region, imageId);
        RefuseIfProtected(image);
        Deregister(image, deleteSnapshots || image.State == ImageStates.Pending);
    });

    /// <summary>A pending copy stops (its slot frees and its unfinished snapshots go); a finished image keeps its snapshots unless asked.</summary>
    private void Deregister(SimImage image, bool deleteSnapshots)
    {
        image.State = ImageStates.Deregistered;
        image.Reason = null;
        if (deleteSnapshots)
        {
            foreach (var snapshot in SnapshotsOf(image))
            {
                snapshot.State = null;
            }
        }

        RecordStateChange(image, Now);
    }

    public void EnableImageDeprecation(string accountId, string regionName, string imageId, DateTimeOffset deprecateAt) => Run(() =>
    {
        var region = Region(accountId, regionName);
        var image = RequireOwnImage(region, imageId);
        var now = Now;
        // EC2 refuses a time specified in the past, and one more than 10 years ahead. It is the time specified that may not be
        // past: one a few seconds past is refused even where it would round up to the next minute.
        if (deprecateAt < now)
        {
            throw Ec2Errors.InvalidValue("The deprecation time can't be in the past.");
        }

        if (deprecateAt > now.AddYears(10))
        {
            throw Ec2Errors.InvalidValue("The deprecation time can't be more than 10 years from now.");
        }

        // Seconds are rounded to the nearest minute (30 seconds up).
        var rounded = new DateTimeOffset(deprecateAt.UtcTicks - (deprecateAt.UtcTicks % TimeSpan.TicksPerMinute), TimeSpan.Zero);
        if (deprecateAt.Second >= 30)
        {
            rounded = rounded.AddMinutes(1);
        }

        if (image.IsPublic && rounded > image.CreationDate.AddYears(2))
        {
            throw Ec2Errors.InvalidValue("The deprecation time of a public image can't be more than 2 years after its creation date.");
        }

        image.DeprecationTime = rounded;
    });

    public IReadOnlyList<LaunchPermissionEntry> DescribeLaunchPermissions(string accountId, string regionName, string imageId) => Run(() =>
        (IReadOnlyList<LaunchPermissionEntry>)[.. RequireOwnImage(Region(accountId, regionName), imageId).LaunchPermissions]);

    public string? DescribeDescription(string accountId, string regionName, string imageId) => Run(() =>
        RequireOwnImage(Region(accountId, regionName), imageId).Description);

    public void ModifyLaunchPermissions(string accountId, string regionName, string imageId, LaunchPermissionChanges changes) => Run(() =>
    {
        var region = Region(accountId, regionName);
        var image = RequireOwnImage(region, imageId);
        if (image.State == ImageStates.Pending)
        {
            throw Ec2Errors.AmiPending(image.Id);
        }

        foreach (var entry in changes.Add.Concat(changes.Remove))
        {
            ValidateLaunchPermission(entry);
        }

        if (changes.Add.Any(entry => entry != LaunchPermissionEntry.Public)
            && SnapshotsOf(image).Any(IsEncryptedWithAwsManagedKey))
        {
            // EC2's answer when the AMI's snapshots use the AWS managed key aws/ebs (hashicorp/packer#7410): that key cannot be shared.
            throw new Ec2Exception("InvalidParameter", "Snapshots encrypted with the AWS Managed CMK can't be shared. Specify another snapshot.");
        }

        if (region.BlockPublicAccess && changes.Add.Contains(LaunchPermissionEntry.Public))
        {
            // Wording as EC2 answers it (seen in hortonworks/cloudbreak-images#926).
            throw new Ec2Exception(
                "OperationNotPermitted",
                "You can't publicly share this image because block public access for AMIs is enabled for this account. "
                + "To publicly share the image, you must call the DisableImageBlockPublicAccess API.");
        }

        var after = image.LaunchPermissions.Except(changes.Remove).Union(changes.Add).ToList();
        if (after.Count > MaxLaunchPermissions)
        {
            throw Ec2Errors.ResourceLimitExceeded(
                $"The image {image.Id} can be shared with at most {MaxLaunchPermissions} entities.");
        }

        image.LaunchPermissions.Clear();
        image.LaunchPermissions.AddRange(after);
    });

    private static void ValidateLaunchPermission(LaunchPermissionEntry entry)
    {
        if (entry.UserId is { } userId && !IsAccountId(userId))
        {
            throw new Ec2Exception("InvalidAMIAttributeItemValue", $"Invalid attribute item value \"{userId}\" for userId item type.");
        }

        if (entry.Group is { } group && group != "all")
        {
            throw new Ec2Exception("InvalidAMIAttributeItemValue", $"Invalid attribute item value \"{group}\" for UserGroup item type.");
        }

        if (entry.OrganizationArn is { } org && !OrganizationArnPattern().IsMatch(org))
        {
            throw Ec2Errors.InvalidValue($"The organization ARN '{org}' is not valid.");
        }

        if (entry.OrganizationalUnitArn is { } ou && !OrganizationalUnitArnPattern().IsMatch(ou))
        {
            throw Ec2Errors.InvalidValue($"The organizational unit ARN '{ou}' is not valid.");
        }

        var set = new[] { entry.UserId, entry.Group, entry.OrganizationArn, entry.OrganizationalUnitArn }.Count(value => value is not null);
        if (set != 1)
        {
            throw Ec2Errors.InvalidValue("Each launch permission must name exactly one of UserId, Group, OrganizationArn, OrganizationalUnitArn.");
        }
    }

    [GeneratedRegex("^arn:aws:organizations::[0-9]{12}:organization/o-[a-z0-9]{10,32}$")]
    private static partial Regex OrganizationArnPattern();

    [GeneratedRegex("^arn:aws:organizations::[0-9]{12}:ou/o-[a-z0-9]{10,32}/ou-[a-z0-9]{4,32}-[a-z0-9]{8,32}$")]
    private static partial Regex OrganizationalUnitArnPattern();

    public void CreateTags(string accountId, string regionName, IReadOnlyList<string> resourceIds, IReadOnlyList<KeyValuePair<string, string>> tags) => Run(() =>
    {
        if (resourceIds.Count == 0)
        {
            throw Ec2Errors.Missing("ResourceId.N");
        }

        if (tags.Count == 0)
        {
            throw Ec2Errors.InvalidValue("You must specify one or more tags to create");
        }

        ValidateTags(tags);
        var targets = ResolveTagTargets(Region(accountId, regionName), resourceIds);
        if (targets.Any(target => target.Keys.Union(tags.Select(tag => tag.Key)).Count() > MaxTagsPerResource))
        {
            throw new Ec2Exception("TagLimitExceeded", $"The maximum number of Tags for a resource has been reached ({MaxTagsPerResource}).");
        }

        foreach (var target in targets)
        {
            foreach (var tag in tags)
            {
                target[tag.Key] = tag.Value;
            }
        }
    });

    public void DeleteTags(string accountId, string regionName, IReadOnlyList<string> resourceIds, IReadOnlyList<KeyValuePair<string, string?>> tags) => Run(() =>
    {
        foreach (var target in ResolveTagTargets(Region(accountId, regionName), resourceIds))
        {
            if (tags.Count == 0)
            {
                target.Clear();
            }

            foreach (var tag in tags)
            {
                if (tag.Value is null || (target.TryGetValue(tag.Key, out var value) && value == tag.Value))
                {
                    target.Remove(tag.Key);
                }
            }
        }
    });

    /// <summary>The tag sets the account writes to for each resource; all are checked before any is changed.</summary>
    private List<Dictionary<string, string>> ResolveTagTargets(RegionState region, IReadOnlyList<string> resourceIds)
    {
        var targets = new List<Dictionary<string, string>>();
        foreach (var id in resourceIds)
        {
            if (id.StartsWith("ami-", StringComparison.Ordinal))
            {
                targets.Add(RequireImage(region, id).TagsOf(region.AccountId));
            }
            else if (id.StartsWith("snap-", StringComparison.Ordinal))
            {
                targets.Add(FindOwnSnapshot(region, id)?.Tags ?? throw Ec2Errors.SnapshotNotFound(id));
            }
            else
            {
                throw Ec2Errors.InvalidId(id);
            }
        }

        return targets;
    }

    public IReadOnlyList<(string Name, RegionAccess Access)> DescribeRegions(string accountId, bool allRegions) => Run(() =>
        (IReadOnlyList<(string, RegionAccess)>)_regions.Keys
            .Select(name => Region(accountId, name))
            .Where(region => allRegions || region.Access != RegionAccess.NotOptedIn)
            .Select(region => (region.Name, region.Access))
            .ToList());

    public bool GetImageBlockPublicAccess(string accountId, string regionName) => Run(() => Region(accountId, regionName).BlockPublicAccess);

    /// <summary>Whether the account whose view <paramref name="viewer"/> is sees the image now.</summary>
    private bool IsVisible(RegionState viewer, SimImage image, DateTimeOffset now) => image.VisibleFrom <= now && Sees(viewer, image);

    /// <summary>Whether the account sees the image at all: its own, or shared with it (eventual consistency aside).</summary>
    private bool Sees(RegionState viewer, SimImage image) => image.IsSeenBy(viewer.AccountId, MembershipOf(viewer.AccountId));

    /// <summary>An image the caller can see, or the error EC2 gives for the id.</summary>
    private SimImage RequireImage(RegionState region, string imageId)
    {
        if (!ResourceIds.IsImageId(imageId))
        {
            throw Ec2Errors.AmiMalformed(imageId);
        }

        if (!region.Images.TryGetValue(imageId, out var image) || !IsVisible(region, image, Now))
        {
            throw Ec2Errors.AmiNotFound(imageId);
        }

        return image.State == ImageStates.Deregistered ? throw Ec2Errors.AmiGone(imageId) : image;
    }

    private SimImage RequireOwnImage(RegionState region, string imageId)
    {
        var image = RequireImage(region, imageId);
        return image.OwnerId == region.AccountId ? image : throw Ec2Errors.NotOwner(imageId);
    }

    private SimSnapshot? FindOwnSnapshot(RegionState region, string snapshotId) =>
        region.Snapshots.TryGetValue(snapshotId, out var snapshot)
        && snapshot.OwnerId == region.AccountId && snapshot.State is not null && snapshot.VisibleFrom <= Now
            ? snapshot
            : null;

    /// <summary>AMI names: 3 to 128 characters from EC2's allowed set, unique among the account's images in the region.</summary>
    private static void ValidateName(RegionState region, string name)
    {
        if (!AmiNamePattern().IsMatch(name))
        {
            throw new Ec2Exception(
                "InvalidAMIName.Malformed",
                $"AMI names must be between 3 and 128 characters long, and may contain letters, numbers, '(', ')', '.', '-', '/' and '_' : {name}");
        }

        var holder = region.Images.Values.FirstOrDefault(image =>
            image.OwnerId == region.AccountId && image.State != ImageStates.Deregistered && image.Name == name);
        if (holder is not null)
        {
            throw new Ec2Exception("InvalidAMIName.Duplicate", $"AMI name {name} is already in use by AMI {holder.Id}");
        }
    }

    [GeneratedRegex(@"^[a-zA-Z0-9()\[\] ./'@_-]{3,128}$")]
    private static partial Regex AmiNamePattern();

    private const int MaxDescriptionLength = 255;

    private static void ValidateDescription(string? description)
    {
        if (description is { Length: > MaxDescriptionLength })
        {
            throw Ec2Errors.InvalidValue(
                $"Value ({description[..20]}...) for parameter description is invalid. Length exceeds maximum of {MaxDescriptionLength} characters.");
        }
    }

    private static void ValidateTags(IEnumerable<KeyValuePair<string, string>> tags)
    {
        foreach (var tag in tags)
        {
            if (tag.Key.Length == 0)
            {
                throw Ec2Errors.InvalidValue("Value ( '' ) for parameter Tag key is invalid. Tag key cannot be null or empty.");
            }

            if (tag.Key.Length > 128 || tag.Value.Length > 256)
            {
                throw Ec2Errors.InvalidValue($"Tag key must be at most 128 characters and value at most 256: '{tag.Key}'.");
            }

            if (tag.Key.StartsWith("aws:", StringComparison.OrdinalIgnoreCase))
            {
                throw Ec2Errors.InvalidValue("Tag keys starting with 'aws:' are reserved for internal use");
            }
        }
    }

    /// <summary>The tags asked per resource type; only image and snapshot take tags on create here.</summary>
    private static Dictionary<string, IReadOnlyList<KeyValuePair<string, string>>> ValidateTagSpecifications(
        IReadOnlyList<TagSpecificationInput> specifications)
    {
        var byType = new Dictionary<string, IReadOnlyList<KeyValuePair<string, string>>>(StringComparer.Ordinal);
        foreach (var specification in specifications)
        {
            var type = specification.ResourceType ?? throw Ec2Errors.Missing("TagSpecification.N.ResourceType");
            if (!TaggableOnCreate.Contains(type))
            {
                throw Ec2Errors.InvalidValue($"'{type}' is not a valid taggable resource type for this operation.");
            }

            if (specification.Tags.Count == 0)
            {
                // EC2 refuses an empty specification (hashicorp/packer#11311); moto models it too.
                throw new Ec2Exception("InvalidTagKey.Malformed", "Tag specification must have at least one tag");
            }

            ValidateTags(specification.Tags);
            if (specification.Tags.Count > MaxTagsPerResource)
            {
                throw new Ec2Exception("TagLimitExceeded", $"The maximum number of Tags for a resource has been reached ({MaxTagsPerResource}).");
            }

            byType[type] = [.. (byType.GetValueOrDefault(type) ?? []), .. specification.Tags];
        }

        return byType;
    }

    private static void RequireEncryptedForKey(bool? encrypted, string? kmsKeyId)
    {
        if (kmsKeyId is not null && encrypted != true)
        {
            // EC2's wording for a key without encryption (e.g. keithvassallomt/parsec-aws-automation#12).
            throw new Ec2Exception("InvalidParameterDependency", "The parameter KmsKeyId requires the parameter Encrypted to be set.");
        }
    }
}
