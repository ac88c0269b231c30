namespace AmiReplicator.Ec2Simulator.Model;

/// <summary>An answer EC2 (or KMS and SSM beside it) gives as an error: its code, message and HTTP status.</summary>
internal sealed class Ec2Exception : Exception
{
    public Ec2Exception()
        : this("InternalError", "An internal error has occurred.", 500)
    {
    }

    public Ec2Exception(string message)
        : this("InvalidRequest", message)
    {
    }

    public Ec2Exception(string message, Exception innerException)
        : base(message, innerException)
    {
        Code = "InternalError";
        StatusCode = 500;
    }

    public Ec2Exception(string code, string message, int statusCode = 400)
        : base(message)
    {
        Code = code;
        StatusCode = statusCode;
    }

    public string Code { get; }

    public int StatusCode { get; }
}
