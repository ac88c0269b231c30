namespace AmiReplicator.Ec2Simulator;

/// <summary>
/// EC2 refused an in-process action (<see cref="Ec2Simulator.LaunchInstance"/>, ...) as it refuses the API call that action stands for
/// (RunInstances, ...): <see cref="Code"/> is EC2's error code, the message its wording.
/// </summary>
public sealed class Ec2RefusedException(string code, string message, Exception innerException) : Exception(message, innerException)
{
    /// <summary>EC2's error code, e.g. "InvalidAMIID.NotFound".</summary>
    public string Code { get; } = code;
}
