using System.Globalization;
using AmiReplicator.Ec2Simulator.Model;

namespace AmiReplicator.Ec2Simulator.Api;

/// <summary>
/// The HTTP side: reads an EC2 Query request, finds its region and action, calls the model and writes
/// EC2's XML answer or error. No behaviour lives here beyond translating parameters.
/// </summary>
internal sealed partial class Ec2QueryEndpoint(Ec2Cloud cloud)
{
    public async Task HandleAsync(HttpContext context)
    {
        var requestId = Guid.NewGuid().ToString();
        using var reader = new StreamReader(context.Request.Body);
        var body = await reader.ReadToEndAsync(context.RequestAborted);
        var parameters = QueryParameters.Parse(body.Length > 0 ? body : context.Request.QueryString.Value ?? string.Empty);

        string? region = null;
        int status;
        byte[] answer;
        try
        {
            var scope = SigV4Scope.Of(context.Request.Headers.Authorization)
                ?? throw Ec2Errors.AuthFailure("Authorization header with a SigV4 credential scope is required.");
            region = scope.Region;
            var action = parameters.Required("Action");
            var caller = cloud.BeginCall(scope, action);
            if (parameters.Bool("DryRun") == true)
            {
                throw new Ec2Exception("DryRunOperation", "Request would have succeeded, but DryRun flag is set.", 412);
            }

            answer = Ec2Xml.Response(action, requestId, Handle(action, caller.AccountId, region, parameters));
            status = StatusCodes.Status200OK;
        }
        catch (Ec2Exception error)
        {
            if (region is not null)
            {
                cloud.RecordError(region, error.Code);
            }

            answer = Ec2Xml.Error(error.Code, error.Message, requestId);
            status = error.StatusCode;
        }

        context.Response.StatusCode = status;
        context.Response.ContentType = "text/xml;charset=UTF-8";
        context.Response.Headers["x-amzn-RequestId"] = requestId;
        await context.Response.Body.WriteAsync(answer, context.RequestAborted);
    }

    /// <summary>Performs the action and returns what writes its response body.</summary>
    private Action<System.Xml.XmlWriter> Handle(string action, string account, string region, QueryParameters p)
    {
        switch (action)
        {
            case "DescribeImages":
                {
                    var (images, nextToken) = cloud.DescribeImages(account, region, new DescribeImagesInput(
                        p.List("ImageId"),
                        p.List("Owner"),
                        p.List("ExecutableBy"),
                        p.Members("Filter").Select(f => new FilterInput(f.Required("Name"), f.List("Value"))).ToList(),
                        p.Bool("IncludeDeprecated") ?? false,
                        p.Int("MaxResults"),
                        p["NextToken"],
                        p.Bool("IncludeDisabled") ?? false));
                    return w =>
                    {
                        Ec2Xml.Items(w, "imagesSet", images, Ec2Xml.Image, writeWhenEmpty: true);
                        Ec2Xml.Text(w, "nextToken", nextToken);
                    };
                }

            case "CopyImage":
                {
                    var imageId = cloud.CopyImage(account, region, new CopyImageInput(
                        p["SourceRegion"],
                        p["SourceImageId"],
                        p["Name"],
                        p["Description"],
                        p.Bool("Encrypted"),
                        p["KmsKeyId"],
                        p["ClientToken"],
                        p.Bool("CopyImageTags"),
                        TagSpecifications(p),
                        p.Int("SnapshotCopyCompletionDurationMinutes"),
                        p["DestinationOutpostArn"]));
                    return w => Ec2Xml.Text(w, "imageId", imageId);
                }

            case "RegisterImage":
                {
                    var imageId = cloud.RegisterImage(account, region, new RegisterImageInput(
                        p["Name"],
                        p["Description"],
                        p["RootDeviceName"],
                        p["Architecture"],
                        p["ImageLocation"],
                        p.Members("BlockDeviceMapping").Select(BlockDevice).ToList(),
                        TagSpecifications(p)));
                    return w => Ec2Xml.Text(w, "imageId", imageId);
                }

            case "DeregisterImage":
                cloud.DeregisterImage(account, region, p.Required("ImageId"), p.Bool("DeleteAssociatedSnapshots") ?? false);
                return Return;

            case "CreateTags":
                cloud.CreateTags(account, region, p.List("ResourceId"), p.Tags());
                return Return;

            case "DeleteTags":
                cloud.DeleteTags(
                    account,
                    region,
                    p.List("ResourceId"),
                    p.Members("Tag").Select(tag => KeyValuePair.Create(tag.Required("Key"), tag["Value"])).ToList());
                return Return;

            case "DescribeImageAttribute":
                return DescribeImageAttribute(account, region, p.Required("ImageId"), p.Required("Attribute"));

            case "ModifyImageAttribute":
                cloud.ModifyLaunchPermissions(account, region, p.Required("ImageId"), LaunchPermissionChanges(p));
                return Return;

            case "EnableImageDeprecation":
                {
                    var deprecateAt = DateTimeOffset.TryParse(
                        p.Required("DeprecateAt"), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at)
                        ? at
                        : throw Ec2Errors.InvalidValue($"Invalid value '{p["DeprecateAt"]}' for DeprecateAt.");
                    cloud.EnableImageDeprecation(account, region, p.Required("ImageId"), deprecateAt);
                    return Return;
                }

            case "DescribeSnapshots":
                {
                    var snapshots = cloud.DescribeSnapshots(account, region, p.List("SnapshotId"));
                    return w => Ec2Xml.Items(w, "snapshotSet", snapshots, Ec2Xml.Snapshot, writeWhenEmpty: true);
                }

            case "DescribeSnapshotAttribute":
                {
                    var snapshotId = p.Required("SnapshotId");
                    _ = p.Required("Attribute") == "createVolumePermission"
                        ? true
                        : throw Ec2Errors.InvalidValue($"Value ({p["Attribute"]}) for parameter attribute is invalid. Unknown attribute.");
                    var permissions = cloud.DescribeCreateVolumePermissions(account, region, snapshotId);
                    return w =>
                    {
                        Ec2Xml.Text(w, "snapshotId", snapshotId);
                        Ec2Xml.Items(w, "createVolumePermission", permissions, Ec2Xml.LaunchPermission, writeWhenEmpty: true);
                    };
                }

            case "ModifySnapshotAttribute":
                cloud.ModifyCreateVolumePermissions(account, region, p.Required("SnapshotId"), new LaunchPermissionChanges(
                    p.Members("CreateVolumePermission.Add").Select(LaunchPermission).ToList(),
                    p.Members("CreateVolumePermission.Remove").Select(LaunchPermission).ToList()));
                return Return;

            case "DescribeRegions":
                {
                    var regions = cloud.DescribeRegions(account, p.Bool("AllRegions") ?? false);
                    return w => Ec2Xml.Items(w, "regionInfo", regions, (item, r) =>
                    {
                        Ec2Xml.Text(item, "regionName", r.Name);
                        Ec2Xml.Text(item, "regionEndpoint", $"ec2.{r.Name}.amazonaws.com");
                        Ec2Xml.Text(item, "optInStatus", r.Access == RegionAccess.NotOptedIn ? "not-opted-in" : "opt-in-not-required");
                    }, writeWhenEmpty: true);
                }

            case "GetImageBlockPublicAccessState":
                {
                    var blocked = cloud.GetImageBlockPublicAccess(account, region);
                    return w =>
                    {
                        Ec2Xml.Text(w, "imageBlockPublicAccessState", blocked ? "block-new-sharing" : "unblocked");
                        Ec2Xml.Text(w, "managedBy", "account");
                    };
                }

            default:
                return HandleLifecycle(action, account, region, p) ?? HandleUsage(action, account, region, p) ?? HandleAllowedImages(action, account, region, p)
                    ?? HandleLaunchTemplates(action, account, region, p)
                    ?? throw Ec2Errors.InvalidAction(action);
        }
    }

    private static void Return(System.Xml.XmlWriter writer) => Ec2Xml.Bool(writer, "return", true);

    private Action<System.Xml.XmlWriter> DescribeImageAttribute(string account, string region, string imageId, string attribute)
    {
        switch (attribute)
        {
            case "launchPermission":
                var permissions = cloud.DescribeLaunchPermissions(account, region, imageId);
                return w =>
                {
                    Ec2Xml.Text(w, "imageId", imageId);
                    Ec2Xml.Items(w, "launchPermission", permissions, Ec2Xml.LaunchPermission, writeWhenEmpty: true);
                };
            case "description":
                var description = cloud.DescribeDescription(account, region, imageId);
                return w =>
                {
                    Ec2Xml.Text(w, "imageId", imageId);
                    w.WriteStartElement("description", Ec2Xml.Namespace);
                    Ec2Xml.Text(w, "value", description);
                    w.WriteEndElement();
                };
            case "lastLaunchedTime":
                var lastLaunched = cloud.DescribeLastLaunchedTime(account, region, imageId);
                return w =>
                {
                    Ec2Xml.Text(w, "imageId", imageId);
                    // Empty when no instance was launched from the image.
                    w.WriteStartElement("lastLaunchedTime", Ec2Xml.Namespace);
                    Ec2Xml.Text(w, "value", lastLaunched?.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture));
                    w.WriteEndElement();
                };
            default:
                throw Ec2Errors.InvalidValue($"Value ({attribute}) for parameter attribute is invalid. Unknown attribute.");
        }
    }

    /// <summary>LaunchPermission.Add/Remove.N.*, or the older Attribute=launchPermission + OperationType + UserId.N form.</summary>
    private static LaunchPermissionChanges LaunchPermissionChanges(QueryParameters p)
    {
        var add = p.Members("LaunchPermission.Add").Select(LaunchPermission).ToList();
        var remove = p.Members("LaunchPermission.Remove").Select(LaunchPermission).ToList();
        if (p["OperationType"] is { } operation)
        {
            var entries = p.List("UserId").Select(LaunchPermissionEntry.ForAccount)
                .Concat(p.List("UserGroup").Select(group => new LaunchPermissionEntry(Group: group)))
                .Concat(p.List("OrganizationArn").Select(LaunchPermissionEntry.ForOrganization))
                .Concat(p.List("OrganizationalUnitArn").Select(LaunchPermissionEntry.ForOrganizationalUnit));
            (operation switch
            {
                "add" => add,
                "remove" => remove,
                _ => throw Ec2Errors.InvalidValue($"Invalid value '{operation}' for OperationType."),
            }).AddRange(entries);
        }

        return add.Count + remove.Count > 0 ? new LaunchPermissionChanges(add, remove) : throw Ec2Errors.Missing("LaunchPermission");
    }

    private static LaunchPermissionEntry LaunchPermission(QueryParameters entry) =>
        new(entry["UserId"], entry["Group"], entry["OrganizationArn"], entry["OrganizationalUnitArn"]);

    private static List<TagSpecificationInput> TagSpecifications(QueryParameters p) =>
        p.Members("TagSpecification").Select(spec => new TagSpecificationInput(spec["ResourceType"], spec.Tags())).ToList();

    private static BlockDeviceInput BlockDevice(QueryParameters mapping)
    {
        var ebs = mapping.HasMembers("Ebs")
            ? new EbsInput(
                mapping["Ebs.SnapshotId"],
                mapping.Int("Ebs.VolumeSize"),
                mapping["Ebs.VolumeType"],
                mapping.Bool("Ebs.DeleteOnTermination"),
                mapping.Bool("Ebs.Encrypted"),
                mapping["Ebs.KmsKeyId"])
            : null;
        return new BlockDeviceInput(mapping["DeviceName"], mapping["VirtualName"], mapping["NoDevice"] is not null, ebs);
    }
}
