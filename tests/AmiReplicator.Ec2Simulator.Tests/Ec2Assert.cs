using Amazon.EC2;

namespace AmiReplicator.Ec2Simulator.Tests;

/// <summary>Asserts the EC2 error code a call answers with.</summary>
public static class Ec2Assert
{
    public static async Task<AmazonEC2Exception> ErrorAsync(string code, Func<Task> call)
    {
        var error = await Assert.ThrowsAsync<AmazonEC2Exception>(call);
        Assert.Equal(code, error.ErrorCode);
        return error;
    }
}
