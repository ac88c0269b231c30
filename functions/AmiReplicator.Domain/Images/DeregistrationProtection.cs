namespace AmiReplicator.Domain.Images;

/// <summary>An AMI's deregistration protection, as DescribeImages shows it.</summary>
public enum DeregistrationProtection
{
    Disabled,
    Enabled,

    /// <summary>Once disabled, the image still cannot be deregistered for 24 hours.</summary>
    EnabledWithCooldown,
}
