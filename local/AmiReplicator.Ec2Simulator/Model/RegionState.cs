namespace AmiReplicator.Ec2Simulator.Model;

/// <summary>
/// One account in one region: what EC2 keeps per account there (access, names, limits, keys, parameters, instances), over the
/// region's images and snapshots, which every account's view shares.
/// </summary>
internal sealed class RegionState(SharedRegion shared, string accountId, string defaultKmsKeyArn)
{
    public SharedRegion Shared { get; } = shared;

    public string AccountId { get; } = accountId;

    public string Name => Shared.Name;

    /// <summary>Every account's images in the region: each says its owner.</summary>
    public Dictionary<string, SimImage> Images => Shared.Images;

    /// <summary>Every account's snapshots in the region: each says its owner.</summary>
    public Dictionary<string, SimSnapshot> Snapshots => Shared.Snapshots;

    public RegionAccess Access { get; set; } = RegionAccess.Enabled;

    public bool BlockPublicAccess { get; set; }

    /// <summary>Which images of other accounts the account may discover and launch (see <see cref="Ec2Cloud.GetAllowedImagesSettings"/>).</summary>
    public AllowedImagesSetting AllowedImages { get; set; } = AllowedImagesSetting.Default;

    /// <summary>The account's instances that have not been terminated, by id.</summary>
    public Dictionary<string, SimInstance> Instances { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, SimLaunchTemplate> LaunchTemplates { get; } = new(StringComparer.Ordinal);

    /// <summary>Parameter Store's parameters, by name.</summary>
    public Dictionary<string, ParameterInfo> Parameters { get; } = new(StringComparer.Ordinal);

    /// <summary>The account's AWS managed key EBS uses when encryption is asked without a key ("alias/aws/ebs").</summary>
    public string DefaultKmsKeyArn { get; } = defaultKmsKeyArn;

    /// <summary>Every way one of the account's keys can be named in a request (id, ARN, alias, alias ARN) to its key ARN.</summary>
    public Dictionary<string, string> KmsKeyNames { get; } = new(StringComparer.Ordinal);

    /// <summary>Tag keys an Organizations tag policy demands on images and snapshots at creation, with their allowed values (null: any).</summary>
    public Dictionary<string, IReadOnlyList<string>?> TagPolicy { get; set; } = new(StringComparer.Ordinal);

    public Dictionary<string, (string Fingerprint, string ImageId)> ClientTokens { get; } = new(StringComparer.Ordinal);

    /// <summary>Copy slots held by other tools of the account: (source region or null, count).</summary>
    public List<SlotReservation> Reservations { get; } = [];

    public int PeakPendingCopies { get; set; }

    public Dictionary<string, int> PeakPendingCopiesFrom { get; } = new(StringComparer.Ordinal);

    public void NameKmsKey(SimKmsKey key, string? alias)
    {
        KmsKeyNames[key.Arn] = key.Arn;
        KmsKeyNames[key.KeyId] = key.Arn;
        if (alias is not null)
        {
            KmsKeyNames[alias] = key.Arn;
            KmsKeyNames[$"arn:aws:kms:{Name}:{AccountId}:{alias}"] = key.Arn;
        }
    }
}

/// <summary>Copy slots occupied by something other than the caller's CopyImage calls.</summary>
internal sealed record SlotReservation(string? SourceRegion, int Count);
