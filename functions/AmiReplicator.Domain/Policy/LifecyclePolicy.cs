namespace AmiReplicator.Domain.Policy;

/// <summary>
/// What copies carry and follow of their source's lifecycle: its deprecation time and deregistration protection (on by default),
/// a deprecation a fixed time after each copy is made, and, only when asked for since they are destructive, disabling or
/// deregistering the copies of a source that is disabled or deregistered.
/// </summary>
public sealed record LifecyclePolicy(
    bool CopyDeprecation,
    int? DeprecateAfterDays,
    bool CopyDeregistrationProtection,
    bool DisableWithSource,
    bool DeregisterWithSource)
{
    /// <summary>EnableImageDeprecation takes no time more than 10 years ahead.</summary>
    public const int MaxDeprecateAfterDays = 3650;

    public static readonly LifecyclePolicy Default = new(true, null, true, false, false);

    /// <summary>When a copy made at <paramref name="copyCreated"/> of a source deprecated at <paramref name="sourceDeprecation"/> is deprecated: the earlier of the two rules.</summary>
    public DateTimeOffset? DeprecationFor(DateTimeOffset? sourceDeprecation, DateTimeOffset copyCreated)
    {
        var carried = CopyDeprecation ? sourceDeprecation : null;
        var afterDays = DeprecateAfterDays is { } days ? copyCreated.AddDays(days) : (DateTimeOffset?)null;
        return (carried, afterDays) switch
        {
            ({ } a, { } b) => a < b ? a : b,
            _ => carried ?? afterDays,
        };
    }

    /// <summary>
    /// The deprecation time EnableImageDeprecation is given for <paramref name="wanted"/> at <paramref name="now"/>: EC2 rounds seconds to
    /// the nearest minute and takes no time in the past, so a time already past (or about to be) becomes the earliest it takes: the
    /// next whole minute, a minute ahead. A copy of a withdrawn build is deprecated as soon as EC2 allows, never left undeprecated.
    /// </summary>
    public static DateTimeOffset DeprecationEc2Takes(DateTimeOffset wanted, DateTimeOffset now)
    {
        var earliest = new DateTimeOffset(now.UtcTicks - (now.UtcTicks % TimeSpan.TicksPerMinute), TimeSpan.Zero).AddMinutes(now.UtcTicks % TimeSpan.TicksPerMinute == 0 ? 1 : 2);
        return wanted >= earliest ? wanted : earliest;
    }

    public static LifecyclePolicy FromDocument(LifecycleDocument document)
    {
        if (document.DeprecateAfterDays is < 1 or > MaxDeprecateAfterDays)
        {
            throw new PolicyException("lifecycle.deprecateAfterDays",
                $"must be 1 to {MaxDeprecateAfterDays} days (EC2 takes no deprecation time more than 10 years ahead; got {document.DeprecateAfterDays})");
        }

        return new LifecyclePolicy(
            document.CopyDeprecation ?? Default.CopyDeprecation,
            document.DeprecateAfterDays,
            document.CopyDeregistrationProtection ?? Default.CopyDeregistrationProtection,
            document.DisableWithSource == true,
            document.DeregisterWithSource == true);
    }
}
