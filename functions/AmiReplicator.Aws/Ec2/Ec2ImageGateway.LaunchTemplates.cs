using System.Globalization;
using Amazon.EC2.Model;
using AmiReplicator.Domain.Images;

namespace AmiReplicator.Aws.Ec2;

/// <summary>The launch template calls: templates tracking a family follow its newest build.</summary>
public sealed partial class Ec2ImageGateway : ILaunchTemplates
{
    /// <summary>DescribeLaunchTemplates answers at most 200 templates a page.</summary>
    private const int LaunchTemplatesPageSize = 200;

    private const string LatestVersion = "$Latest";

    public async Task<IReadOnlyList<LaunchTemplateInfo>> ListTaggedAsync(string region, string tagKey, string tagValue, CancellationToken cancellationToken)
    {
        var templates = new List<LaunchTemplateInfo>();
        var request = new DescribeLaunchTemplatesRequest { Filters = [new Filter($"tag:{tagKey}", [tagValue])], MaxResults = LaunchTemplatesPageSize };
        do
        {
            var response = await Call(() => clients.For(region).DescribeLaunchTemplatesAsync(request, cancellationToken));
            templates.AddRange((response.LaunchTemplates ?? []).Select(t => new LaunchTemplateInfo(
                t.LaunchTemplateId,
                t.LaunchTemplateName,
                t.DefaultVersionNumber ?? 1,
                t.LatestVersionNumber ?? 1,
                (t.Tags ?? []).ToDictionary(tag => tag.Key, tag => tag.Value, StringComparer.Ordinal))));
            request.NextToken = response.NextToken;
        }
        while (!string.IsNullOrEmpty(request.NextToken));

        return templates;
    }

    public async Task<LaunchTemplateVersionInfo> GetLatestVersionAsync(string region, string launchTemplateId, CancellationToken cancellationToken)
    {
        var response = await Call(() => clients.For(region).DescribeLaunchTemplateVersionsAsync(new DescribeLaunchTemplateVersionsRequest
        {
            LaunchTemplateId = launchTemplateId,
            Versions = [LatestVersion],
            // A version naming a parameter (resolve:ssm:...) is answered as it is written: it follows the parameter, not the replicator.
            ResolveAlias = false,
        }, cancellationToken));
        var version = response.LaunchTemplateVersions?.FirstOrDefault()
            ?? throw new ImageServiceException(Ec2ErrorKind.NotFound, "InvalidLaunchTemplateId.VersionNotFound", $"{launchTemplateId} answered no latest version");
        return new LaunchTemplateVersionInfo(version.VersionNumber ?? 1, version.LaunchTemplateData?.ImageId);
    }

    public async Task<long> CreateVersionAsync(string region, string launchTemplateId, long sourceVersion, string imageId, string clientToken,
        CancellationToken cancellationToken)
    {
        var response = await Call(() => clients.For(region).CreateLaunchTemplateVersionAsync(new CreateLaunchTemplateVersionRequest
        {
            LaunchTemplateId = launchTemplateId,
            SourceVersion = sourceVersion.ToString(CultureInfo.InvariantCulture),
            LaunchTemplateData = new RequestLaunchTemplateData { ImageId = imageId },
            ClientToken = clientToken,
        }, cancellationToken));
        return response.LaunchTemplateVersion?.VersionNumber
            ?? throw new ImageServiceException(Ec2ErrorKind.Transient, "NoVersion", $"CreateLaunchTemplateVersion of {launchTemplateId} answered no version");
    }

    public Task SetDefaultVersionAsync(string region, string launchTemplateId, long version, CancellationToken cancellationToken) =>
        Call(() => clients.For(region).ModifyLaunchTemplateAsync(new ModifyLaunchTemplateRequest
        {
            LaunchTemplateId = launchTemplateId,
            DefaultVersion = version.ToString(CultureInfo.InvariantCulture),
        }, cancellationToken));
}
