namespace AmiReplicator.Domain.Copying;

/// <summary>A step of one job that can fail on its own, named as the job's LastError and notes say it.</summary>
public enum JobStep
{
    /// <summary>Calling CopyImage for a claimed job (after removing the previous attempt's failed image).</summary>
    StartCopy,

    /// <summary>Reading the copy's state.</summary>
    CheckCopy,

    /// <summary>Applying to an available copy what CopyImage does not copy: launch permissions, tags, deprecation.</summary>
    FinishCopy,

    /// <summary>Recording a failed copy's next attempt, or its end.</summary>
    RetryCopy,

    /// <summary>Removing an image the job left behind.</summary>
    CleanUp,
}
