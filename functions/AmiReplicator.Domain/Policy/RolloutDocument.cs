namespace AmiReplicator.Domain.Policy;

/// <summary>Target accounts in waves: a new build reaches each wave only once the wave before it is available and has soaked.</summary>
public sealed class RolloutDocument
{
    public List<WaveDocument>? Waves { get; set; }
}

/// <summary>One wave: its accounts (by id, or by the organizational units they are in), and how long it soaks before the next starts.</summary>
public sealed class WaveDocument
{
    public List<string>? Accounts { get; set; }
    public List<string>? OrganizationalUnits { get; set; }

    /// <summary>Minutes the wave's copies are all available before the next wave starts (default 0).</summary>
    public int? SoakMinutes { get; set; }
}
