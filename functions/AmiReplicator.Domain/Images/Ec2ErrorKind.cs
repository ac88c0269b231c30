namespace AmiReplicator.Domain.Images;

public enum Ec2ErrorKind
{
    /// <summary>Too many copies in flight in the account: back-pressure, the destination waits; never a failed copy.</summary>
    LimitExceeded,

    /// <summary>Throttling, server errors, timeouts: retry the same call later.</summary>
    Transient,

    /// <summary>The image does not exist (or is not visible yet, or is gone).</summary>
    NotFound,

    /// <summary>CopyImage: another image of the account in the destination already has the name.</summary>
    NameTaken,

    /// <summary>EC2 refuses this request for good (permissions, encryption, limits of a resource, bad parameters).</summary>
    Refused,
}
