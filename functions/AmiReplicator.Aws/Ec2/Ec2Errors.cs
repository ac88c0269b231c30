using AmiReplicator.Domain.Images;

namespace AmiReplicator.Aws.Ec2;

/// <summary>What each EC2 error code means to the replicator; the domain sees only the kind.</summary>
internal static class Ec2Errors
{
    private static readonly HashSet<string> TransientCodes = new(StringComparer.Ordinal)
    {
        "RequestLimitExceeded", "Throttling", "ThrottlingException", "InternalError", "InternalFailure",
        "ServiceUnavailable", "Unavailable", "RequestTimeout", "RequestExpired", "NetworkError",
    };

    public static Ec2ErrorKind Classify(string code) => code switch
    {
        "ResourceLimitExceeded" => Ec2ErrorKind.LimitExceeded,
        "InvalidAMIID.NotFound" or "InvalidAMIID.Unavailable" => Ec2ErrorKind.NotFound,
        "InvalidAMIName.Duplicate" => Ec2ErrorKind.NameTaken,
        _ when TransientCodes.Contains(code) => Ec2ErrorKind.Transient,
        _ => Ec2ErrorKind.Refused,
    };
}
