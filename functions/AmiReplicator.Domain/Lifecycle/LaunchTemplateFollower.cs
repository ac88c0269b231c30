using AmiReplicator.Contract;
using AmiReplicator.Domain.Images;
using AmiReplicator.Domain.Observability;
using AmiReplicator.Domain.Policy;
using Microsoft.Extensions.Logging;

namespace AmiReplicator.Domain.Lifecycle;

/// <summary>
/// Moves the launch templates that track a copy's family (<see cref="LaunchTemplatePolicy.TrackTag"/>) in the copy's account and region
/// onto the copy, just available: a new version made from the template's latest with only the image changed, made the default when
/// the template asks (<see cref="LaunchTemplatePolicy.SetDefaultTag"/>). Never back: a template whose latest version launches a build as
/// new as the copy's, or newer (builds as retention ranks them, <see cref="FamilyCopies"/>), is left as it is. Repeating it is harmless:
/// a latest version already launching the copy is not made again. EC2 has no conditional version, so after creating one it reads the
/// latest again, and makes the copy's version again while an older build's landed after it. What EC2 refuses (access, a template gone,
/// its versions used up) is noted and counted, never the copy's failure.
/// </summary>
public sealed class LaunchTemplateFollower(IImageGateway home, LaunchTemplatePolicy policy, IMetrics metrics, ILogger<LaunchTemplateFollower> log)
{
    /// <summary>Readings of one template's latest version before giving up on a template whose latest keeps changing (noted).</summary>
    public const int MaxRounds = 3;

    private const string ParameterPrefix = "resolve:ssm:";

    private readonly FamilyBuilds _builds = new(home);

    /// <summary>
    /// Each template of <paramref name="copy"/>'s family (as tagged now) in its region, through <paramref name="templates"/> and
    /// <paramref name="images"/> (the copy's account's); what happened to each goes into <paramref name="notes"/>.
    /// </summary>
    public async Task FollowAsync(ILaunchTemplates templates, IImageGateway images, ImageInfo copy, List<string> notes, CancellationToken cancellationToken)
    {
        if (policy.FamilyOf(copy) is not { } family)
        {
            return;
        }

        IReadOnlyList<LaunchTemplateInfo> tracking;
        try
        {
            tracking = await templates.ListTaggedAsync(copy.Region, LaunchTemplatePolicy.TrackTag, family, cancellationToken);
        }
        catch (ImageServiceException e)
        {
            Refused(copy, $"launch templates tracking family {family} could not be listed: {e.Message}", notes);
            return;
        }

        foreach (var template in tracking)
        {
            try
            {
                if (await FollowAsync(templates, images, template, copy, cancellationToken) is { } note)
                {
                    notes.Add(note);
                }
            }
            catch (ImageServiceException e)
            {
                Refused(copy, $"launch template {Named(template)} not moved to {copy.ImageId}: {e.Message}", notes);
            }
        }
    }

    /// <summary>One template onto the copy; answers what was done or why not (null: nothing to do).</summary>
    private async Task<string?> FollowAsync(ILaunchTemplates templates, IImageGateway images, LaunchTemplateInfo template, ImageInfo copy,
        CancellationToken cancellationToken)
    {
        long? made = null;
        for (var round = 0; round < MaxRounds; round++)
        {
            var latest = await templates.GetLatestVersionAsync(copy.Region, template.LaunchTemplateId, cancellationToken);
            if (latest.ImageId == copy.ImageId)
            {
                return await DefaultAsync(templates, template, latest.Version, copy, made is not null, cancellationToken);
            }

            if (latest.ImageId is { } parameter && parameter.StartsWith(ParameterPrefix, StringComparison.Ordinal))
            {
                return $"launch template {Named(template)} launches {parameter} (a parameter), so it is left as it is";
            }

            if (await AsNewAsync(images, latest.ImageId, copy, cancellationToken) is { } held)
            {
                log.LogInformation("Launch template {Template} stays on {ImageId}, a build as new as {TargetImageId} or newer", Named(template), held.ImageId, copy.ImageId);
                return $"launch template {Named(template)} stays on {held.ImageId} (version {latest.Version}): its build ({FamilyCopies.BuildTime(held):u}) is as new as this copy's or newer";
            }

            // The token ties the call to the version it is made from: a repeat answers the same version, a version made later is another call.
            made = await templates.CreateVersionAsync(copy.Region, template.LaunchTemplateId, latest.Version, copy.ImageId,
                $"{copy.ImageId}-{template.LaunchTemplateId}-{latest.Version}", cancellationToken);
            metrics.Record(ReplicatorMetrics.LaunchTemplatesUpdated, 1, copy.Region);
            log.LogInformation("Launch template {Template} version {Version} launches {TargetImageId}", Named(template), made, copy.ImageId);
        }

        return $"launch template {Named(template)}: its latest version changed on each of {MaxRounds} readings; the next copy of its family moves it";
    }

    /// <summary>The version launching the copy made the default when the template asks; answers the note.</summary>
    private async Task<string?> DefaultAsync(ILaunchTemplates templates, LaunchTemplateInfo template, long version, ImageInfo copy, bool made,
        CancellationToken cancellationToken)
    {
        var setDefault = template.Tags.TryGetValue(LaunchTemplatePolicy.SetDefaultTag, out var value) && string.Equals(value, "true", StringComparison.OrdinalIgnoreCase);
        if (setDefault && template.DefaultVersion != version)
        {
            await templates.SetDefaultVersionAsync(copy.Region, template.LaunchTemplateId, version, cancellationToken);
            log.LogInformation("Launch template {Template} defaults to version {Version}", Named(template), version);
            return $"launch template {Named(template)} launches {copy.ImageId} from version {version}, now its default";
        }

        return made ? $"launch template {Named(template)} launches {copy.ImageId} from version {version}" : null;
    }

    /// <summary>The image the template launches when its build is as new as the copy's or newer; null when it is older, or gone.</summary>
    private async Task<ImageInfo?> AsNewAsync(IImageGateway images, string? imageId, ImageInfo copy, CancellationToken cancellationToken)
    {
        if (imageId is null || await images.DescribeImageAsync(copy.Region, imageId, cancellationToken) is not { State: not ImageState.Deregistered } current)
        {
            return null;
        }

        var ranked = await _builds.WithBuildsAsync([current, copy], cancellationToken);
        return ranked[0].BuildTime() >= ranked[1].BuildTime() ? ranked[0] : null;
    }

    private void Refused(ImageInfo copy, string problem, List<string> notes)
    {
        log.LogWarning("{Problem}", problem);
        metrics.Record(ReplicatorMetrics.LaunchTemplateUpdatesRefused, 1, copy.Region);
        notes.Add(problem);
    }

    private static string Named(LaunchTemplateInfo template) => $"{template.LaunchTemplateId} ({template.Name})";
}
