using System.Globalization;
using System.Text.RegularExpressions;

namespace AmiReplicator.Ec2Simulator.Model;

/// <summary>
/// Launch templates and their versions (docs/ec2-behaviour.md, "Launch templates"): CreateLaunchTemplate, CreateLaunchTemplateVersion
/// (from a source version, with the image changed), ModifyLaunchTemplate (the default version), DescribeLaunchTemplates (by id, name,
/// tag filters) and DescribeLaunchTemplateVersions. As in EC2, a template's image is checked only when an instance is launched from it,
/// so a version may name an image that is disabled, deregistered, another account's or unknown.
/// </summary>
internal sealed partial class Ec2Cloud
{
    /// <summary>EC2's quota of versions per launch template.</summary>
    public const int MaxLaunchTemplateVersions = 10_000;

    private const int MaxLaunchTemplatesPage = 200;
    private const string LatestAlias = "$Latest";
    private const string DefaultAlias = "$Default";
    private const string ParameterPrefix = "resolve:ssm:";

    /// <summary>A template of the account whose version 1 launches the input's image (null: none), tagged at creation.</summary>
    public SimLaunchTemplate CreateLaunchTemplate(string accountId, string regionName, CreateLaunchTemplateInput input) => Run(() =>
    {
        var region = Region(accountId, regionName);
        var name = input.Name ?? throw Ec2Errors.Missing("LaunchTemplateName");
        if (!LaunchTemplateNamePattern().IsMatch(name))
        {
            throw new Ec2Exception("InvalidLaunchTemplateName.MalformedException",
                $"The launch template name '{name}' is invalid: 3 to 128 characters, letters, digits and ( ) . - / _ only.");
        }

        if (region.LaunchTemplates.Values.Any(t => t.Name == name))
        {
            throw new Ec2Exception("InvalidLaunchTemplateName.AlreadyExistsException", $"Launch template name already in use: {name}.");
        }

        var tags = input.TagSpecifications.Where(spec => spec.ResourceType == "launch-template").SelectMany(spec => spec.Tags).ToList();
        if (input.TagSpecifications.Any(spec => spec.ResourceType != "launch-template"))
        {
            throw Ec2Errors.InvalidValue("TagSpecification: a launch template takes tags of resource type launch-template only.");
        }

        foreach (var tag in tags.Where(tag => tag.Key.StartsWith("aws:", StringComparison.OrdinalIgnoreCase)))
        {
            throw Ec2Errors.InvalidValue($"Tag keys starting with 'aws:' are reserved for internal use: {tag.Key}");
        }

        var template = new SimLaunchTemplate
        {
            Id = NewId(ResourceIds.NewLaunchTemplateId, (r, id) => r.LaunchTemplates.ContainsKey(id)),
            Name = name,
            Region = region.Name,
            CreateTime = Now,
        };
        foreach (var (key, value) in tags)
        {
            template.Tags[key] = value;
        }

        template.Versions.Add(new LaunchTemplateVersion(input.ImageId, Now));
        region.LaunchTemplates.Add(template.Id, template);
        return template;
    });

    /// <summary>
    /// A new version: the source version's data with the image replaced when one is given. A ClientToken seen before answers the version
    /// it made (EC2's IdempotentParameterMismatch when asked for something else).
    /// </summary>
    public (SimLaunchTemplate Template, long Version) CreateLaunchTemplateVersion(string accountId, string regionName, CreateLaunchTemplateVersionInput input) => Run(() =>
    {
        var template = FindLaunchTemplate(Region(accountId, regionName), input.Id, input.Name);
        var fingerprint = $"{input.SourceVersion}|{input.ImageId}";
        if (input.ClientToken is { } token && template.ClientTokens.TryGetValue(token, out var earlier))
        {
            return earlier.Fingerprint == fingerprint
                ? (template, earlier.Version)
                : throw new Ec2Exception("IdempotentParameterMismatch", $"The client token '{token}' was used with other parameters.");
        }

        var source = input.SourceVersion is { } sourceVersion ? template.Version(VersionNumber(template, sourceVersion)) : null;
        if (template.Versions.Count >= MaxLaunchTemplateVersions)
        {
            // The quota is documented (10,000 versions per template); no EC2 code for it was found, so the code is ours.
            throw new Ec2Exception("LaunchTemplateVersionLimitExceeded",
                $"The launch template {template.Id} has {MaxLaunchTemplateVersions} versions, the most a launch template may have. Delete versions to make more.");
        }

        template.Versions.Add(new LaunchTemplateVersion(input.ImageId ?? source?.ImageId, Now));
        if (input.ClientToken is { } newToken)
        {
            template.ClientTokens[newToken] = (fingerprint, template.LatestVersion);
        }

        return (template, template.LatestVersion);
    });

    /// <summary>ModifyLaunchTemplate SetDefaultVersion: the version must exist.</summary>
    public SimLaunchTemplate ModifyLaunchTemplate(string accountId, string regionName, string? id, string? name, string? defaultVersion) => Run(() =>
    {
        var template = FindLaunchTemplate(Region(accountId, regionName), id, name);
        if (defaultVersion is not null)
        {
            template.DefaultVersion = VersionNumber(template, defaultVersion);
        }

        return template;
    });

    public (IReadOnlyList<SimLaunchTemplate> Templates, string? NextToken) DescribeLaunchTemplates(string accountId, string regionName, DescribeLaunchTemplatesInput input) =>
        Run(() =>
        {
            var region = Region(accountId, regionName);
            if (input.MaxResults is < 1 or > MaxLaunchTemplatesPage)
            {
                throw Ec2Errors.InvalidValue($"Value ( {input.MaxResults} ) for parameter maxResults is invalid. Expecting a value between 1 and {MaxLaunchTemplatesPage}.");
            }

            foreach (var filter in input.Filters.Where(f => !f.Name.StartsWith("tag:", StringComparison.Ordinal) && f.Name is not ("tag-key" or "launch-template-name")))
            {
                throw Ec2Errors.InvalidValue($"The filter '{filter.Name}' is invalid");
            }

            var named = input.Ids.Select(id => FindLaunchTemplate(region, id, null))
                .Concat(input.Names.Select(name => FindLaunchTemplate(region, null, name)))
                .ToList();
            var matching = (named.Count > 0 ? named.Distinct() : region.LaunchTemplates.Values)
                .Where(t => input.Filters.All(filter => filter.Name switch
                {
                    "tag-key" => t.Tags.Keys.Any(key => filter.Values.Any(pattern => WildcardMatches(pattern, key))),
                    "launch-template-name" => filter.Values.Any(pattern => WildcardMatches(pattern, t.Name)),
                    _ => t.Tags.TryGetValue(filter.Name["tag:".Length..], out var value) && filter.Values.Any(pattern => WildcardMatches(pattern, value)),
                }))
                .OrderBy(t => t.CreateTime)
                .ThenBy(t => t.Id, StringComparer.Ordinal)
                .ToList();
            var start = input.NextToken is null ? 0 : ParseNextToken(input.NextToken);
            var page = matching.Skip(start).Take(input.MaxResults ?? int.MaxValue).ToList();
            var nextToken = start + page.Count < matching.Count ? (start + page.Count).ToString(CultureInfo.InvariantCulture) : null;
            return ((IReadOnlyList<SimLaunchTemplate>)page, nextToken);
        });

    /// <summary>
    /// The versions asked for (numbers, <c>$Latest</c>, <c>$Default</c>; none: every version, within MinVersion and MaxVersion). With
    /// ResolveAlias a <c>resolve:ssm:</c> image is answered as the parameter's value.
    /// </summary>
    public (SimLaunchTemplate Template, IReadOnlyList<(long Version, string? ImageId, DateTimeOffset CreateTime)> Versions) DescribeLaunchTemplateVersions(
        string accountId, string regionName, DescribeLaunchTemplateVersionsInput input) => Run(() =>
        {
            var region = Region(accountId, regionName);
            var template = FindLaunchTemplate(region, input.Id, input.Name);
            var numbers = input.Versions.Count > 0
                ? input.Versions.Select(v => VersionNumber(template, v)).Distinct()
                : Enumerable.Range(1, template.Versions.Count).Select(n => (long)n)
                    .Where(n => (input.MinVersion is not { } min || n >= VersionNumber(template, min)) && (input.MaxVersion is not { } max || n <= VersionNumber(template, max)));
            return (template, (IReadOnlyList<(long, string?, DateTimeOffset)>)[.. numbers.Select(n =>
            {
                var version = template.Version(n);
                var image = input.ResolveAlias && version.ImageId is { } alias && alias.StartsWith(ParameterPrefix, StringComparison.Ordinal)
                    ? region.Parameters.GetValueOrDefault(alias[ParameterPrefix.Length..])?.Value
                    : version.ImageId;
                return (n, image, version.CreateTime);
            })]);
        });

    public void DeleteLaunchTemplate(string accountId, string regionName, string launchTemplateId) => Run(() =>
    {
        if (!Region(accountId, regionName).LaunchTemplates.Remove(launchTemplateId))
        {
            throw LaunchTemplateNotFound(launchTemplateId);
        }
    });

    /// <summary>The account's templates in the region, as they are now.</summary>
    public IReadOnlyList<SimulatedLaunchTemplate> LaunchTemplates(string accountId, string regionName) => Run(() =>
        (IReadOnlyList<SimulatedLaunchTemplate>)[.. Region(accountId, regionName).LaunchTemplates.Values.OrderBy(t => t.CreateTime).Select(t => t.ToInfo())]);

    /// <summary>By id or by name, exactly one of them, as EC2 takes them.</summary>
    private static SimLaunchTemplate FindLaunchTemplate(RegionState region, string? id, string? name)
    {
        if ((id is null) == (name is null))
        {
            throw new Ec2Exception("InvalidParameterCombination", "You must specify either the launch template ID or the launch template name, but not both.");
        }

        if (id is not null)
        {
            if (!LaunchTemplateIdPattern().IsMatch(id))
            {
                throw new Ec2Exception("InvalidLaunchTemplateId.Malformed", $"The launch template ID '{id}' is malformed: expecting lt-xxxxxxxxxxxxxxxxx.");
            }

            return region.LaunchTemplates.GetValueOrDefault(id) ?? throw LaunchTemplateNotFound(id);
        }

        return region.LaunchTemplates.Values.FirstOrDefault(t => t.Name == name)
            ?? throw new Ec2Exception("InvalidLaunchTemplateName.NotFoundException", $"The specified launch template, with template name {name}, does not exist.");
    }

    private static Ec2Exception LaunchTemplateNotFound(string id) =>
        new("InvalidLaunchTemplateId.NotFound", $"The specified launch template, with template ID {id}, does not exist.");

    /// <summary>A version as requests name it: its number, <c>$Latest</c> or <c>$Default</c>.</summary>
    private static long VersionNumber(SimLaunchTemplate template, string version) => version switch
    {
        LatestAlias => template.LatestVersion,
        DefaultAlias => template.DefaultVersion,
        _ when long.TryParse(version, NumberStyles.None, CultureInfo.InvariantCulture, out var number) && number >= 1 && number <= template.LatestVersion => number,
        _ => throw new Ec2Exception("InvalidLaunchTemplateId.VersionNotFound", $"Could not find launch template version {version} of {template.Id}."),
    };

    [GeneratedRegex("^[a-zA-Z0-9().\\-/_]{3,128}$")]
    private static partial Regex LaunchTemplateNamePattern();

    [GeneratedRegex("^lt-([0-9a-f]{8}|[0-9a-f]{17})$")]
    private static partial Regex LaunchTemplateIdPattern();
}
