namespace AmiReplicator.Ec2Simulator.Model;

/// <summary>Everything EC2 holds for the account in one region, plus the faults and counters of that region.</summary>
internal sealed class RegionState
{
    public RegionState(string name, string accountId)
    {
        Name = name;
        var defaultKeyId = Guid.NewGuid().ToString();
        DefaultKmsKeyArn = $"arn:aws:kms:{name}:{accountId}:key/{defaultKeyId}";
        AddKmsKey(DefaultKmsKeyArn, defaultKeyId, "alias/aws/ebs", accountId);
    }

    public string Name { get; }

    public RegionAccess Access { get; set; } = RegionAccess.Enabled;

    public bool BlockPublicAccess { get; set; }

    public Dictionary<string, SimImage> Images { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, SimSnapshot> Snapshots { get; } = new(StringComparer.Ordinal);

    /// <summary>The account's instances that have not been terminated, by id.</summary>
    public Dictionary<string, SimInstance> Instances { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, SimLaunchTemplate> LaunchTemplates { get; } = new(StringComparer.Ordinal);

    /// <summary>Parameter Store's parameters, by name.</summary>
    public Dictionary<string, ParameterInfo> Parameters { get; } = new(StringComparer.Ordinal);

    /// <summary>The AWS managed key EBS uses when encryption is asked without a key.</summary>
    public string DefaultKmsKeyArn { get; }

    /// <summary>Every way a key can be named in a request (id, ARN, alias, alias ARN) to its key ARN.</summary>
    public Dictionary<string, string> KmsKeyNames { get; } = new(StringComparer.Ordinal);

    /// <summary>Keys of other accounts in this region, by ARN: whether their key policy lets this account use them.</summary>
    public Dictionary<string, bool> ForeignKmsKeys { get; } = new(StringComparer.Ordinal);

    /// <summary>Tag keys an Organizations tag policy demands on images and snapshots at creation, with their allowed values (null: any).</summary>
    public Dictionary<string, IReadOnlyList<string>?> TagPolicy { get; set; } = new(StringComparer.Ordinal);

    public Dictionary<string, (string Fingerprint, string ImageId)> ClientTokens { get; } = new(StringComparer.Ordinal);

    /// <summary>Copy slots held by other tools of the account: (source region or null, count).</summary>
    public List<SlotReservation> Reservations { get; } = [];

    public Queue<StateReason> CopyFailures { get; } = new();

    public Dictionary<string, Queue<ApiFault>> Faults { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, int> Calls { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, int> Errors { get; } = new(StringComparer.Ordinal);

    public int PeakPendingCopies { get; set; }

    public Dictionary<string, int> PeakPendingCopiesFrom { get; } = new(StringComparer.Ordinal);

    public void AddKmsKey(string arn, string keyId, string? alias, string accountId)
    {
        KmsKeyNames[arn] = arn;
        KmsKeyNames[keyId] = arn;
        if (alias is not null)
        {
            KmsKeyNames[alias] = arn;
            KmsKeyNames[$"arn:aws:kms:{Name}:{accountId}:{alias}"] = arn;
        }
    }
}

/// <summary>Copy slots occupied by something other than the caller's CopyImage calls.</summary>
internal sealed record SlotReservation(string? SourceRegion, int Count);
