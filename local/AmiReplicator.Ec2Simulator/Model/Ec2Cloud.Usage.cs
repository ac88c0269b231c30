namespace AmiReplicator.Ec2Simulator.Model;

/// <summary>
/// What uses an image: the account's instances and launch templates (and Parameter Store's <c>aws:ec2:image</c> parameters) that
/// reference it, which DescribeImageReferences lists, and when an instance was last launched from it (DescribeImageAttribute
/// <c>lastLaunchedTime</c>).
/// </summary>
internal sealed partial class Ec2Cloud
{
    public const string InstanceResourceType = "ec2:Instance";
    public const string LaunchTemplateResourceType = "ec2:LaunchTemplate";
    public const string ParameterResourceType = "ssm:Parameter";
    private const int MaxReferenceImageIds = 10;
    private const int MinReferenceResults = 5;
    private const int MaxVersionDepth = 10_000;

    /// <summary>EC2's default for version-depth: a reference check looks at a template's latest 10 versions.</summary>
    private const int DefaultVersionDepth = 10;

    /// <summary>Every kind DescribeImageReferences knows; the account here has no Image Builder recipes, so those never reference anything.</summary>
    private static readonly string[] ReferenceResourceTypes =
        [InstanceResourceType, LaunchTemplateResourceType, ParameterResourceType, "imagebuilder:ImageRecipe", "imagebuilder:ContainerRecipe"];

    private static readonly HashSet<string> InstanceStateNames =
        new(StringComparer.Ordinal) { "pending", SimInstance.Running, "shutting-down", "terminated", "stopping", "stopped" };

    /// <summary>Launches an instance from the image as RunInstances would, or refuses as it does; the image's last launch time is now.</summary>
    public string LaunchInstance(string accountId, string regionName, string imageId) => Run(() =>
    {
        var region = Region(accountId, regionName);
        var image = LaunchableImage(region, imageId);
        var instance = new SimInstance(NewId(ResourceIds.NewInstanceId, (r, id) => r.Instances.ContainsKey(id)), region.Name, image.Id);
        region.Instances.Add(instance.Id, instance);
        image.LastLaunchedTime = Now;
        return instance.Id;
    });

    public void TerminateInstance(string accountId, string regionName, string instanceId) => Run(() =>
    {
        if (!Region(accountId, regionName).Instances.Remove(instanceId))
        {
            throw new Ec2Exception("InvalidInstanceID.NotFound", $"The instance ID '{instanceId}' does not exist");
        }
    });

    public (IReadOnlyList<ImageReference> References, string? NextToken) DescribeImageReferences(
        string accountId, string regionName, DescribeImageReferencesInput input) =>
        Run(() =>
        {
            var region = Region(accountId, regionName);
            if (input.ImageIds.Count == 0)
            {
                throw Ec2Errors.Missing("ImageId");
            }

            if (input.ImageIds.Count > MaxReferenceImageIds)
            {
                throw Ec2Errors.InvalidValue(
                    $"The parameter ImageId has {input.ImageIds.Count} values; at most {MaxReferenceImageIds} image IDs can be checked in one request.");
            }

            foreach (var id in input.ImageIds.Where(id => !ResourceIds.IsImageId(id)))
            {
                throw Ec2Errors.AmiMalformed(id);
            }

            if (input.MaxResults is < MinReferenceResults)
            {
                throw Ec2Errors.InvalidValue(
                    $"Value ( {input.MaxResults} ) for parameter maxResults is invalid. Expecting a value greater than or equal to {MinReferenceResults}.");
            }

            var scope = ReferenceScopeOf(input);
            // References are kept by id, not by image: an instance keeps referencing an image that was deregistered since, or that
            // is another account's, so any well-formed id is answered.
            var references = input.ImageIds.Distinct(StringComparer.Ordinal).SelectMany(id => ReferencesTo(region, id, scope)).ToList();
            var start = input.NextToken is null ? 0 : ParseNextToken(input.NextToken);
            var page = references.Skip(start).Take(input.MaxResults ?? int.MaxValue).ToList();
            var nextToken = start + page.Count < references.Count
                ? (start + page.Count).ToString(System.Globalization.CultureInfo.InvariantCulture)
                : null;
            return ((IReadOnlyList<ImageReference>)page, nextToken);
        });

    /// <summary>Only the owner reads it (others get AuthFailure, as for every attribute); null when no instance was launched from the image.</summary>
    public DateTimeOffset? DescribeLastLaunchedTime(string accountId, string regionName, string imageId) => Run(() =>
        RequireOwnImage(Region(accountId, regionName), imageId).LastLaunchedTime);

    /// <summary>The image RunInstances would launch: one the account sees, available; otherwise EC2's refusal.</summary>
    private SimImage LaunchableImage(RegionState region, string imageId)
    {
        if (!ResourceIds.IsImageId(imageId))
        {
            throw Ec2Errors.AmiMalformed(imageId);
        }

        if (!region.Images.TryGetValue(imageId, out var image) || image.VisibleFrom > Now)
        {
            throw Ec2Errors.AmiNotFound(imageId);
        }

        if (image.State == ImageStates.Deregistered)
        {
            throw Ec2Errors.AmiGone(imageId);
        }

        // An image Allowed AMIs does not admit is refused as one the account may not use (EC2's exact wording for it is not documented).
        if (!Sees(region, image) || !IsAllowed(region, image))
        {
            throw Ec2Errors.NotAuthorizedForImage(imageId);
        }

        return image.State switch
        {
            ImageStates.Available => image,
            ImageStates.Pending => throw Ec2Errors.AmiPending(imageId),
            // Disabled or failed: EC2 launches neither; the code is the one CopyImage answers for them here.
            _ => throw Ec2Errors.IncorrectState(imageId, image.State),
        };
    }

    /// <summary>The kinds of resource asked for, with their options (an option given overrides EC2's default for its kind).</summary>
    private static ReferenceScope ReferenceScopeOf(DescribeImageReferencesInput input)
    {
        if (!input.IncludeAllResourceTypes && input.ResourceTypes.Count == 0)
        {
            throw new Ec2Exception("MissingParameter", "Either IncludeAllResourceTypes or ResourceTypes must be specified.");
        }

        var types = new HashSet<string>(input.IncludeAllResourceTypes ? ReferenceResourceTypes : [], StringComparer.Ordinal);
        IReadOnlySet<string>? instanceStates = null;
        var versionDepth = DefaultVersionDepth;
        foreach (var requested in input.ResourceTypes)
        {
            var type = requested.ResourceType ?? throw Ec2Errors.Missing("ResourceType.N.ResourceType");
            if (!ReferenceResourceTypes.Contains(type, StringComparer.Ordinal))
            {
                throw Ec2Errors.InvalidValue(
                    $"Value ({type}) for parameter resourceType is invalid. Valid values: {string.Join(", ", ReferenceResourceTypes)}.");
            }

            types.Add(type);
            foreach (var option in requested.Options)
            {
                switch (type, option.Name)
                {
                    case (InstanceResourceType, "state-name"):
                        instanceStates = ParseInstanceStates(option.Values);
                        break;
                    case (LaunchTemplateResourceType, "version-depth"):
                        versionDepth = ParseVersionDepth(option.Values);
                        break;
                    default:
                        throw Ec2Errors.InvalidValue($"The option '{option.Name}' is not valid for the resource type {type}.");
                }
            }
        }

        return new ReferenceScope(types, instanceStates, versionDepth);
    }

    private static HashSet<string> ParseInstanceStates(IReadOnlyList<string> values)
    {
        if (values.Count == 0 || values.Any(value => !InstanceStateNames.Contains(value)))
        {
            throw Ec2Errors.InvalidValue(
                $"The option state-name takes one or more of {string.Join(", ", InstanceStateNames)}, not '{string.Join(",", values)}'.");
        }

        return new HashSet<string>(values, StringComparer.Ordinal);
    }

    private static int ParseVersionDepth(IReadOnlyList<string> values) =>
        values is [var single] && int.TryParse(single, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var depth)
            && depth is >= 1 and <= MaxVersionDepth
            ? depth
            : throw Ec2Errors.InvalidValue($"The option version-depth takes one integer between 1 and {MaxVersionDepth}, not '{string.Join(",", values)}'.");

    /// <summary>In a stable order (kind, then ARN) so that a page's token finds the next page.</summary>
    private static IEnumerable<ImageReference> ReferencesTo(RegionState region, string imageId, ReferenceScope scope)
    {
        IEnumerable<ImageReference> Of(string type, IEnumerable<string> arns) =>
            arns.Order(StringComparer.Ordinal).Select(arn => new ImageReference(imageId, type, arn));

        var instances = scope.Types.Contains(InstanceResourceType) && (scope.InstanceStates is null || scope.InstanceStates.Contains(SimInstance.Running))
            ? region.Instances.Values.Where(instance => instance.ImageId == imageId).Select(instance => instance.Arn(region.AccountId))
            : [];
        var templates = scope.Types.Contains(LaunchTemplateResourceType)
            ? region.LaunchTemplates.Values.Where(template => template.References(imageId, scope.VersionDepth)).Select(template => template.Arn(region.AccountId))
            : [];
        var parameters = scope.Types.Contains(ParameterResourceType)
            ? region.Parameters.Values.Where(parameter => parameter.DataType == ImageDataType && parameter.Value == imageId).Select(parameter => parameter.Arn)
            : [];
        return Of(InstanceResourceType, instances).Concat(Of(LaunchTemplateResourceType, templates)).Concat(Of(ParameterResourceType, parameters));
    }

    /// <summary>A new id no account uses yet in any region.</summary>
    private string NewId(Func<string> next, Func<RegionState, string, bool> isTaken)
    {
        while (true)
        {
            var id = next();
            if (!_accountRegions.Values.Any(region => isTaken(region, id)))
            {
                return id;
            }
        }
    }

    /// <summary>Which references a DescribeImageReferences call asks for; null instance states: every state.</summary>
    private sealed record ReferenceScope(IReadOnlySet<string> Types, IReadOnlySet<string>? InstanceStates, int VersionDepth);
}
