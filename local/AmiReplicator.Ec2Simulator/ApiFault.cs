namespace AmiReplicator.Ec2Simulator;

/// <summary>An error injected in place of the next calls of an action.</summary>
public enum ApiFault
{
    /// <summary>RequestLimitExceeded, HTTP 503.</summary>
    Throttle,

    /// <summary>InternalError, HTTP 500.</summary>
    InternalError,

    /// <summary>Unavailable, HTTP 503.</summary>
    Unavailable,
}
