namespace AmiReplicator.Domain.Lifecycle;

/// <summary>What following the sources' lifecycle did in one sweep of a source region.</summary>
public sealed class LifecycleReport
{
    public int Looked { get; set; }
    public int Tags { get; set; }
    public int LaunchPermissions { get; set; }
    public int Deprecation { get; set; }
    public int Protection { get; set; }
    public int Disabled { get; set; }
    public int Enabled { get; set; }
    public int Deregistered { get; set; }
    public int Kept { get; set; }
    public int Errors { get; set; }

    /// <summary>Destinations skipped as refused (a target account's spoke role missing or denied, a region not enabled).</summary>
    public int Skipped { get; set; }

    public override string ToString() =>
        $"{Looked} copies looked at, tags changed on {Tags}, launch permissions on {LaunchPermissions}, deprecation on {Deprecation}, protection on {Protection}, {Disabled} disabled, {Enabled} enabled again, {Deregistered} deregistered, {Kept} kept, {Errors} errors, {Skipped} destinations skipped as refused";
}
