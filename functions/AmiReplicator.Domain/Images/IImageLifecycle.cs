namespace AmiReplicator.Domain.Images;

/// <summary>The EC2 calls that make a copy follow its source's lifecycle after it exists, each in the region named.</summary>
public interface IImageLifecycle
{
    /// <summary>
    /// The account's own images in <paramref name="region"/> that the replicator copied (known by their provenance tags), from
    /// <paramref name="sourceRegion"/> or, when null, from anywhere; deprecated and disabled ones included; page by page.
    /// </summary>
    IAsyncEnumerable<ImageInfo> ListOwnCopiesAsync(string region, string? sourceRegion, CancellationToken cancellationToken);

    /// <summary>Withdraws the image's deprecation time.</summary>
    Task DisableDeprecationAsync(string region, string imageId, CancellationToken cancellationToken);

    Task EnableDeregistrationProtectionAsync(string region, string imageId, bool withCooldown, CancellationToken cancellationToken);

    Task DisableDeregistrationProtectionAsync(string region, string imageId, CancellationToken cancellationToken);

    /// <summary>Disables the image (EC2 removes all its shares, and does not restore them when it is enabled again).</summary>
    Task DisableImageAsync(string region, string imageId, CancellationToken cancellationToken);
}

/// <summary>An AMI's deregistration protection, as DescribeImages shows it.</summary>
public enum DeregistrationProtection
{
    Disabled,
    Enabled,

    /// <summary>Once disabled, the image still cannot be deregistered for 24 hours.</summary>
    EnabledWithCooldown,
}
