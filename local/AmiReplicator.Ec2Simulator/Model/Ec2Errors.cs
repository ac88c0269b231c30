namespace AmiReplicator.Ec2Simulator.Model;

/// <summary>
/// The EC2 errors the simulator answers with, in one place so codes and wording stay consistent.
/// Codes and messages follow what EC2 is seen to answer (sources noted where a case is not in the
/// API reference's common error list).
/// </summary>
internal static class Ec2Errors
{
    public static Ec2Exception AmiNotFound(IEnumerable<string> ids) =>
        new("InvalidAMIID.NotFound", $"The image id '[{string.Join(", ", ids)}]' does not exist");

    public static Ec2Exception AmiNotFound(string id) => AmiNotFound([id]);

    public static Ec2Exception AmiMalformed(string id) =>
        new("InvalidAMIID.Malformed", $"Invalid id: \"{id}\" (expecting \"ami-...\")");

    // Seen from ModifyImageAttribute and RunInstances on a pending image (e.g. openshift/os#330).
    public static Ec2Exception AmiPending(string id) =>
        new("InvalidAMIID.Unavailable", $"The AMI ID '{id}' is currently pending and may not be used for this operation");

    public static Ec2Exception AmiGone(string id) =>
        new("InvalidAMIID.Unavailable", $"The image '{id}' is no longer available");

    public static Ec2Exception SnapshotNotFound(string id) =>
        new("InvalidSnapshot.NotFound", $"The snapshot '{id}' does not exist.");

    public static Ec2Exception InvalidId(string id) => new("InvalidID", $"The ID '{id}' is not valid");

    public static Ec2Exception NotOwner(string id) => new("AuthFailure", $"Not authorized for image:{id}", 401);

    // RunInstances on an image the account does not see (e.g. StreisandEffect/streisand#82, hashicorp/otto#68; HTTP 400 as in
    // aws-samples/amazon-s3-datalake-handson#10).
    public static Ec2Exception NotAuthorizedForImage(string id) => new("AuthFailure", $"Not authorized for images: [{id}]");

    public static Ec2Exception IncorrectState(string id, string state) =>
        new("IncorrectState", $"Image '{id}' is not in a valid state for this operation (current state: {state}).");

    public static Ec2Exception Missing(string parameter) =>
        new("MissingParameter", $"The request must contain the parameter {parameter}");

    public static Ec2Exception InvalidValue(string message) => new("InvalidParameterValue", message);

    public static Ec2Exception InvalidRequest(string message) => new("InvalidRequest", message);

    public static Ec2Exception ResourceLimitExceeded(string message) => new("ResourceLimitExceeded", message);

    public static Ec2Exception RequestLimitExceeded() => new("RequestLimitExceeded", "Request limit exceeded.", 503);

    public static Ec2Exception InternalError() =>
        new("InternalError", "An internal error has occurred. Please try again.", 500);

    public static Ec2Exception Unavailable() =>
        new("Unavailable", "The server is overloaded and can't handle the request.", 503);

    public static Ec2Exception AuthFailure(string message = "AWS was not able to validate the provided access credentials") =>
        new("AuthFailure", message, 401);

    public static Ec2Exception Unauthorized() =>
        new("UnauthorizedOperation", "You are not authorized to perform this operation.", 403);

    public static Ec2Exception InvalidAction(string action) =>
        new("InvalidAction", $"The action {action} is not valid for this web service.");
}
