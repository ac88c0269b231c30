namespace AmiReplicator.Domain.Jobs;

public static class RequestOrigins
{
    /// <summary>The policy's selection decides (an event, the sweep); a request by hand names its AMI itself.</summary>
    public static bool IsSelected(this RequestOrigin origin) => origin != RequestOrigin.Manual;
}
