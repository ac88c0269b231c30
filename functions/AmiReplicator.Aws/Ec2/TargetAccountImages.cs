using System.Collections.Concurrent;
using Amazon.SecurityToken;
using AmiReplicator.Aws.Kms;
using AmiReplicator.Aws.Ssm;
using AmiReplicator.Aws.Sts;
using AmiReplicator.Domain.Images;

namespace AmiReplicator.Aws.Ec2;

/// <summary>
/// EC2 in target accounts: one gateway per (account, role), its clients signed with the role's credentials (<see cref="SpokeRoleCredentials"/>),
/// made on first use and kept for the life of the execution environment, so a role is assumed about once an hour per account (EC2's,
/// KMS's and SSM's clients of an account share the role's session). STS's client too is made on first use: a deployment without targets
/// never makes it, and no cold start pays for it.
/// </summary>
/// <param name="kmsEndpoint">Only for the local cloud, like <paramref name="ec2Endpoint"/> and <paramref name="ssmEndpoint"/>.</param>
public sealed class TargetAccountImages(Lazy<IAmazonSecurityTokenService> sts, Uri? ec2Endpoint, Uri? kmsEndpoint, string partition, TimeProvider clock,
    Uri? ssmEndpoint = null)
    : ITargetAccountImages, IDisposable
{
    private readonly ConcurrentDictionary<string, Lazy<Account>> _accounts = new(StringComparer.Ordinal);

    public IImageGateway In(string account, string roleName) => For(account, roleName).Images;

    public IKeyGateway KeysIn(string account, string roleName) => For(account, roleName).Keys;

    public IImageSettings SettingsIn(string account, string roleName) => For(account, roleName).Images;

    public IImageLifecycle LifecycleIn(string account, string roleName) => For(account, roleName).Images;

    public IImageParameters ParametersIn(string account, string roleName) => For(account, roleName).Parameters;

    public ILaunchTemplates LaunchTemplatesIn(string account, string roleName) => For(account, roleName).Images;

    private Account For(string account, string roleName) =>
        _accounts.GetOrAdd($"arn:{partition}:iam::{account}:role/{roleName}", arn => new Lazy<Account>(() =>
        {
            var credentials = new SpokeRoleCredentials(sts.Value, arn, clock);
            var clients = new Ec2Clients(ec2Endpoint, credentials);
            return new Account(clients, new Ec2ImageGateway(clients), new KmsKeyGateway(kmsEndpoint, credentials), new SsmImageParameters(ssmEndpoint, credentials));
        })).Value;

    public void Dispose()
    {
        foreach (var account in _accounts.Values.Where(a => a.IsValueCreated))
        {
            account.Value.Clients.Dispose();
            account.Value.Keys.Dispose();
            account.Value.Parameters.Dispose();
        }
    }

    private sealed record Account(Ec2Clients Clients, Ec2ImageGateway Images, KmsKeyGateway Keys, SsmImageParameters Parameters);
}
