namespace AmiReplicator.Domain.Images;

/// <summary>
/// EC2 as each target account sees it: calls made with the credentials of the account's spoke role, so the copies they make are the
/// account's own. Errors come out as from <see cref="IImageGateway"/>; a role that cannot be assumed is <see cref="Ec2ErrorKind.Refused"/>
/// with STS's code (AccessDenied), STS throttling is <see cref="Ec2ErrorKind.Transient"/>.
/// </summary>
public interface ITargetAccountImages
{
    IImageGateway In(string account, string roleName);

    /// <summary>KMS as the account sees it, with the same role's credentials: whether the account may use a key for its copies.</summary>
    IKeyGateway KeysIn(string account, string roleName);

    /// <summary>The account's AMI settings (Allowed AMIs, block public access), with the same role's credentials.</summary>
    IImageSettings SettingsIn(string account, string roleName);

    /// <summary>The calls that keep the account's copies after they are made (following their sources, retention), with the same role's credentials.</summary>
    IImageLifecycle LifecycleIn(string account, string roleName);

    /// <summary>SSM's parameters in the account (the latest-copy parameter of a target that asks for one), with the same role's credentials.</summary>
    IImageParameters ParametersIn(string account, string roleName);

    /// <summary>The account's launch templates, with the same role's credentials.</summary>
    ILaunchTemplates LaunchTemplatesIn(string account, string roleName);
}
