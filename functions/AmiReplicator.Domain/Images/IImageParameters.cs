namespace AmiReplicator.Domain.Images;

/// <summary>SSM parameters of data type <c>aws:ec2:image</c> (a parameter holding an AMI id), each in the region named.</summary>
public interface IImageParameters
{
    /// <summary>The image id the parameter holds, or null when there is no such parameter.</summary>
    Task<string?> GetImageIdAsync(string region, string name, CancellationToken cancellationToken);

    /// <summary>
    /// Creates or overwrites the parameter with the image id. SSM checks the id after answering (it must name an image available
    /// in the region): a value it finds invalid is dropped and the parameter keeps what it held.
    /// </summary>
    /// <exception cref="ParameterRefusedException">SSM refuses this for good (the name, a parameter of another data type, access).</exception>
    Task PutImageIdAsync(string region, string name, string imageId, CancellationToken cancellationToken);
}
