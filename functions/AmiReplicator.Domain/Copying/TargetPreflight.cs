using System.Collections.Concurrent;
using AmiReplicator.Domain.Images;
using AmiReplicator.Domain.Jobs;
using AmiReplicator.Domain.Policy;
using Microsoft.Extensions.Logging;

namespace AmiReplicator.Domain.Copying;

/// <summary>
/// Whether the replicator can copy into a target account's region, asked before a job of it takes any slot: the account's spoke role
/// can be assumed, the account has enabled the region, and it may use the copy's KMS key there. An answer is kept, per account (the
/// role) and per (account, region, key): a target that can be copied into is asked again after <see cref="Validity"/>; one that
/// cannot is a breaker open for <see cref="BreakerCooldown"/>, during which the jobs of that target end with its failure code and
/// cost no call at all. A job whose attempt began after the answer (a retry by hand, a new build) asks again at once: that is how a
/// person closes the breaker after deploying the role.
/// A target in share mode is asked, before the home account's copy is shared with it, whether it may use that copy: its key (as for a
/// copy), and its Allowed AMIs setting (<see cref="CheckShareAsync"/>).
/// </summary>
public sealed class TargetPreflight(DestinationImages destinations, ReplicationPolicy policy, string homeAccountId, TimeProvider clock, ILogger<TargetPreflight> log)
{
    /// <summary>How long a target found usable is trusted without asking again.</summary>
    public static readonly TimeSpan Validity = TimeSpan.FromMinutes(15);

    /// <summary>How long a target found unusable fails its jobs without asking again (jobs asked for later ask at once).</summary>
    public static readonly TimeSpan BreakerCooldown = TimeSpan.FromMinutes(15);

    /// <summary>The name looked up in the account's own images to probe it: any name does, the answer is not used.</summary>
    private const string ProbeName = "amireplicator-preflight";

    private readonly ConcurrentDictionary<string, Answer> _roles = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(CopyDestination Destination, string? KmsKeyId), Answer> _destinations = new();
    private readonly ConcurrentDictionary<CopyDestination, (ShareSettings Settings, DateTimeOffset At)> _shareSettings = new();

    /// <summary>
    /// Null when the job may take its slots (a home account's job always may); otherwise why not: with a failure code when the
    /// target cannot be copied into, without one when the answer is not known yet (STS or EC2 throttled: the target waits).
    /// </summary>
    public Task<Refusal?> CheckAsync(CopyJob job, CancellationToken cancellationToken) =>
        CheckAsync(job, job.Encrypt ? job.KmsKeyId : null, cancellationToken);

    /// <summary>
    /// For a job of a target in share mode, before the home account's copy is shared with it: null when the account may launch
    /// <paramref name="homeCopy"/> (its role and region as for a copy; the copy's key, which the account must be allowed to use; its
    /// Allowed AMIs setting, which must admit the home account's image where it is enabled); otherwise why not, as
    /// <see cref="CheckAsync(CopyJob, CancellationToken)"/> answers. What the job should know but need not fail on (image block public
    /// access) goes to <paramref name="notes"/>.
    /// </summary>
    public async Task<Refusal?> CheckShareAsync(CopyJob job, ImageInfo homeCopy, List<string> notes, CancellationToken cancellationToken)
    {
        var destination = job.Key.Destination;
        // Every key of its snapshots (one, as the replicator makes it): the account launches under each.
        foreach (var keyId in homeCopy.Snapshots.Where(s => s.Encrypted).Select(s => s.KmsKeyId).Distinct().DefaultIfEmpty(null))
        {
            if (await CheckAsync(job, keyId, cancellationToken) is { } refused)
            {
                return refused;
            }
        }

        var now = clock.GetUtcNow();
        if (!_shareSettings.TryGetValue(destination, out var known) || now - known.At >= Validity || job.WaitingSinceOrCreated > known.At)
        {
            try
            {
                var settings = destinations.SettingsFor(destination);
                known = (new ShareSettings(await settings.GetAllowedImagesAsync(destination.Region, cancellationToken),
                    await settings.GetImageBlockPublicAccessAsync(destination.Region, cancellationToken)), now);
            }
            catch (ImageServiceException e) when (e.Kind != Ec2ErrorKind.Transient)
            {
                return new Refusal(FailureCodes.RoleDenied, $"the spoke role {policy.RoleNameFor(destination.Account!)} of account {destination.Account} cannot read its "
                    + $"Allowed AMIs setting in {destination.Region} ({e.Message}): deploy the current spoke stack in the account, then `amirepl retry --failed`");
            }
            catch (ImageServiceException e)
            {
                return new Refusal(null, $"whether {destination} may use the home account's copy is not known yet: {e.Message}");
            }

            _shareSettings[destination] = known;
        }

        if (known.Settings.BlockPublicAccess != "unblocked")
        {
            // It blocks sharing with everyone (Group=all), never with one account.
            notes.Add($"image block public access is {known.Settings.BlockPublicAccess} in account {destination.Account} {destination.Region}: "
                + "it blocks public sharing only, not this share with the account");
        }

        return known.Settings.AllowedImages.Admits(homeAccountId, homeCopy.Name) ? null : new Refusal(FailureCodes.ShareNotAllowed, WhyNotAllowed(destination, known.Settings.AllowedImages, homeCopy));
    }

    private string WhyNotAllowed(CopyDestination destination, AllowedImagesSettings allowed, ImageInfo homeCopy)
    {
        var where = $"Allowed AMIs is enabled in {destination.Account} {destination.Region}";
        var change = allowed.ManagedBy == AllowedImagesSettings.ManagedByAccount
            ? "in the account's Allowed AMIs settings (ReplaceImageCriteriaInAllowedImagesSettings), or set them to audit-mode"
            : $"in the declarative policy that manages them (ManagedBy {allowed.ManagedBy}; the account cannot change them)";
        var naming = allowed.Criteria.Where(c => c.ImageProviders.Contains(homeAccountId, StringComparer.Ordinal)).ToList();
        return naming.Count == 0
            ? $"{where} and its ImageProviders do not include the home account {homeAccountId}: add it {change}, then `amirepl retry --failed`"
            : $"{where} and its criteria naming the home account {homeAccountId} do not admit {homeCopy.ImageId} named {homeCopy.Name} (their image names, or conditions the replicator does not check): "
              + $"widen them {change}, then `amirepl retry --failed`";
    }

    private async Task<Refusal?> CheckAsync(CopyJob job, string? keyId, CancellationToken cancellationToken)
    {
        var destination = job.Key.Destination;
        if (destination.Account is not { } account)
        {
            return null;
        }

        var now = clock.GetUtcNow();
        if (Known(_roles, account, job, now) is { Refusal: { } roleRefused })
        {
            return roleRefused;
        }

        if (Known(_destinations, (destination, keyId), job, now) is { } known)
        {
            return known.Refusal;
        }

        var images = destinations.For(destination);
        try
        {
            // Answered only with the role's credentials, and only in a region the account has enabled.
            await images.FindOwnImageByNameAsync(destination.Region, ProbeName, cancellationToken);
        }
        catch (ImageServiceException e) when (e.Kind != Ec2ErrorKind.Transient)
        {
            var code = FailureCodes.OfTargetRefusal(e) ?? FailureCodes.RoleDenied;
            if (code == FailureCodes.RoleDenied && policy.TargetList.JoinedWithinGrace(account, now))
            {
                // Not remembered: each recheck asks again, and the first that can assume the role lets the job start.
                return new Refusal(null, $"account {account} joined the target at {policy.TargetList.JoinedAt(account):yyyy-MM-dd HH:mm}Z and its spoke role "
                    + $"cannot be assumed yet ({e.Message}): the StackSet's auto-deployment takes minutes, so its jobs wait for it until "
                    + $"{policy.TargetList.JoinedAt(account) + TargetList.SpokeGrace:yyyy-MM-dd HH:mm}Z");
            }

            var refusal = new Refusal(code, code == FailureCodes.RegionNotEnabled
                ? $"account {account} has not enabled {destination.Region} ({e.Message}): enable the region in the account, or remove it from the account's target"
                : $"the spoke role {policy.RoleNameFor(account)} of account {account} cannot be used ({e.Message}): deploy the spoke stack in the account "
                  + "(README, \"Copies into other accounts\"), then `amirepl retry --failed`");
            return Remember(account, (destination, keyId), refusal, now);
        }
        catch (ImageServiceException e)
        {
            return new Refusal(null, $"whether {destination} can be copied into is not known yet: {e.Message}");
        }

        _roles[account] = new Answer(null, now);
        if (keyId is not null && await destinations.KeysFor(destination).WhyUnusableAsync(destination.Region, keyId, cancellationToken) is { } why)
        {
            var refusal = new Refusal(FailureCodes.KmsDenied, $"account {account} cannot use the KMS key {keyId} in {destination.Region} ({why}): "
                + "create the alias in the account's region, or let the account use the key");
            return Remember(account, (destination, keyId), refusal, now);
        }

        _destinations[(destination, keyId)] = new Answer(null, now);
        return null;
    }

    private static Answer? Known<TKey>(ConcurrentDictionary<TKey, Answer> answers, TKey key, CopyJob job, DateTimeOffset now)
        where TKey : notnull
    {
        if (!answers.TryGetValue(key, out var answer))
        {
            return null;
        }

        var fresh = answer.Refusal is null
            ? now - answer.At < Validity
            : now - answer.At < BreakerCooldown && job.WaitingSinceOrCreated <= answer.At;
        return fresh ? answer : null;
    }

    /// <summary>A role that cannot be used fails every region of its account; anything else, the one (account, region, key).</summary>
    private Refusal Remember(string account, (CopyDestination Destination, string? KmsKeyId) target, Refusal refusal, DateTimeOffset now)
    {
        log.LogWarning("Target {Destination} refused by its preflight ({Code}): {Reason}; its jobs end with that code until {Until}",
            target.Destination, refusal.FailureCode, refusal.Reason, now + BreakerCooldown);
        if (refusal.FailureCode == FailureCodes.RoleDenied)
        {
            _roles[account] = new Answer(refusal, now);
        }
        else
        {
            _destinations[target] = new Answer(refusal, now);
        }

        return refusal;
    }

    /// <summary>Why a target's job may not take slots now; <see cref="FailureCode"/> null: not known yet, the job waits.</summary>
    public sealed record Refusal(string? FailureCode, string Reason);

    private sealed record Answer(Refusal? Refusal, DateTimeOffset At);

    /// <param name="BlockPublicAccess">"block-new-sharing" or "unblocked".</param>
    private sealed record ShareSettings(AllowedImagesSettings AllowedImages, string BlockPublicAccess);
}
