namespace AmiReplicator.Domain.Lifecycle;

public enum RetentionAction
{
    /// <summary>One of the family's newest launchable copies, or a disabled copy not older than them.</summary>
    Keep,

    /// <summary>Older than the newest, but protected from deregistration.</summary>
    KeepProtected,

    /// <summary>Older than the newest, but named (or its source named) in the keep list.</summary>
    KeepListed,

    /// <summary>Older than the newest, but still in use: referenced by instances or launch templates, or launched recently.</summary>
    KeepInUse,

    /// <summary>Older than the newest: deregistered with its snapshots.</summary>
    Remove,
}
