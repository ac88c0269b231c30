namespace AmiReplicator.Aws;

/// <summary>
/// Where the services are: null for AWS's own endpoint in each region; a URL (the local cloud) that serves every region of that
/// service, signed for the region asked.
/// </summary>
public sealed record AwsEndpoints(Uri? DynamoDb = null, Uri? Sqs = null, Uri? Ec2 = null, Uri? Kms = null, Uri? Ssm = null, Uri? Sts = null)
{
    /// <summary>EventBridge (the distribution completed event); locally moto, which serves SQS too.</summary>
    public Uri? Events { get; init; }

    public static readonly AwsEndpoints Aws = new();

    /// <summary>AWS Organizations (one endpoint per partition in AWS: <see cref="Organizations.OrganizationsClient.EndpointOf"/>).</summary>
    public Uri? Organizations { get; init; }
}
