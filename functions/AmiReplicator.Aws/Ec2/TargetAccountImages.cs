using System.Collections.Concurrent;
using Amazon.SecurityToken;
using AmiReplicator.Aws.Sts;
using AmiReplicator.Domain.Images;

namespace AmiReplicator.Aws.Ec2;

/// <summary>
/// EC2 in target accounts: one gateway per (account, role), its clients signed with the role's credentials (<see cref="SpokeRoleCredentials"/>),
/// made on first use and kept for the life of the execution environment, so a role is assumed about once an hour per account. STS's
/// client too is made on first use: a deployment without targets never makes it, and no cold start pays for it.
/// </summary>
public sealed class TargetAccountImages(Lazy<IAmazonSecurityTokenService> sts, Uri? ec2Endpoint, string partition, TimeProvider clock) : ITargetAccountImages, IDisposable
{
    private readonly ConcurrentDictionary<string, Lazy<(Ec2Clients Clients, Ec2ImageGateway Gateway)>> _accounts = new(StringComparer.Ordinal);

    public IImageGateway In(string account, string roleName) =>
        _accounts.GetOrAdd(RoleArn(account, roleName), arn => new Lazy<(Ec2Clients, Ec2ImageGateway)>(() =>
        {
            var clients = new Ec2Clients(ec2Endpoint, new SpokeRoleCredentials(sts.Value, arn, clock));
            return (clients, new Ec2ImageGateway(clients));
        })).Value.Gateway;

    private string RoleArn(string account, string roleName) => $"arn:{partition}:iam::{account}:role/{roleName}";

    public void Dispose()
    {
        foreach (var account in _accounts.Values.Where(a => a.IsValueCreated))
        {
            account.Value.Clients.Dispose();
        }
    }
}
