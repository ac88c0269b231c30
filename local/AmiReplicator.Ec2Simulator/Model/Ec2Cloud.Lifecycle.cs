namespace AmiReplicator.Ec2Simulator.Model;

/// <summary>An image's lifecycle after it exists: deprecation withdrawn, deregistration protection, disabling and enabling.</summary>
internal sealed partial class Ec2Cloud
{
    /// <summary>How long protection enabled with the cooldown keeps refusing deregistration after it is disabled.</summary>
    private static readonly TimeSpan ProtectionCooldown = TimeSpan.FromHours(24);

    public void DisableImageDeprecation(string accountId, string regionName, string imageId) => Run(() =>
        RequireOwnImage(Region(accountId, regionName), imageId).DeprecationTime = null);

    public void EnableImageDeregistrationProtection(string accountId, string regionName, string imageId, bool withCooldown) => Run(() =>
    {
        var image = RequireOwnImage(Region(accountId, regionName), imageId);
        image.DeregistrationProtection = withCooldown ? DeregistrationProtectionStates.EnabledWithCooldown : DeregistrationProtectionStates.Enabled;
        image.ProtectedUntil = null;
    });

    public void DisableImageDeregistrationProtection(string accountId, string regionName, string imageId) => Run(() =>
    {
        var image = RequireOwnImage(Region(accountId, regionName), imageId);
        if (image.DeregistrationProtection == DeregistrationProtectionStates.EnabledWithCooldown)
        {
            image.ProtectedUntil = Now + ProtectionCooldown;
        }

        image.DeregistrationProtection = DeregistrationProtectionStates.Disabled;
    });

    /// <summary>EC2 refuses to deregister a protected image, and one whose protection with cooldown was disabled less than 24 h ago.</summary>
    private void RefuseIfProtected(SimImage image)
    {
        if (image.DeregistrationProtection != DeregistrationProtectionStates.Disabled)
        {
            throw new Ec2Exception("OperationNotPermitted", $"The image {image.Id} has deregistration protection enabled. Disable deregistration protection before you deregister the image.");
        }

        if (image.ProtectedUntil is { } until && Now < until)
        {
            throw new Ec2Exception("OperationNotPermitted", $"The image {image.Id} cannot be deregistered until {until:u}: its deregistration protection had a cooldown.");
        }
    }

    /// <summary>A disabled image cannot be launched or copied, is listed only to its owner when asked, and loses all its shares.</summary>
    public void DisableImage(string accountId, string regionName, string imageId) => Run(() =>
    {
        var image = RequireOwnImage(Region(accountId, regionName), imageId);
        if (image.State == ImageStates.Disabled)
        {
            return;
        }

        if (image.State != ImageStates.Available)
        {
            throw Ec2Errors.IncorrectState(image.Id, image.State);
        }

        image.State = ImageStates.Disabled;
        // Not restored by EnableImage.
        image.LaunchPermissions.Clear();
        RecordStateChange(image, Now);
    });

    public void EnableImage(string accountId, string regionName, string imageId) => Run(() =>
    {
        var image = RequireOwnImage(Region(accountId, regionName), imageId);
        if (image.State != ImageStates.Disabled)
        {
            throw Ec2Errors.IncorrectState(image.Id, image.State);
        }

        image.State = ImageStates.Available;
        RecordStateChange(image, Now);
    });

    /// <summary>A person (or the owning account) disables an image, whoever owns it, as DisableImage does: only an available image,
    /// and disabling a disabled one changes nothing (no second event).</summary>
    public void ForceDisable(string regionName, string imageId) => Run(() =>
    {
        if (!Shared(regionName).Images.TryGetValue(imageId, out var image) || image.State is not (ImageStates.Available or ImageStates.Disabled))
        {
            throw new ArgumentException($"No available image {imageId} to disable in {regionName}.", nameof(imageId));
        }

        if (image.State == ImageStates.Available)
        {
            image.State = ImageStates.Disabled;
            image.LaunchPermissions.Clear();
            RecordStateChange(image, Now);
        }
    });

    /// <summary>A person (or the owning account) enables a disabled image, whoever owns it; the shares it lost stay lost.</summary>
    public void ForceEnable(string regionName, string imageId) => Run(() =>
    {
        if (!Shared(regionName).Images.TryGetValue(imageId, out var image) || image.State != ImageStates.Disabled)
        {
            throw new ArgumentException($"No disabled image {imageId} to enable in {regionName}.", nameof(imageId));
        }

        image.State = ImageStates.Available;
        RecordStateChange(image, Now);
    });

    /// <summary>A person (or the owning account) protects an image, whoever owns it.</summary>
    public void ForceProtect(string regionName, string imageId, bool withCooldown) => Run(() =>
    {
        var image = Shared(regionName).Images.TryGetValue(imageId, out var found) ? found : throw Ec2Errors.AmiNotFound(imageId);
        image.DeregistrationProtection = withCooldown ? DeregistrationProtectionStates.EnabledWithCooldown : DeregistrationProtectionStates.Enabled;
    });

    /// <summary>A person (or the owning account) changes an image's deprecation time, whoever owns it; null withdraws it.</summary>
    public void ForceDeprecation(string regionName, string imageId, DateTimeOffset? deprecateAt) => Run(() =>
    {
        var image = Shared(regionName).Images.TryGetValue(imageId, out var found) ? found : throw Ec2Errors.AmiNotFound(imageId);
        image.DeprecationTime = deprecateAt;
    });
}
