namespace AmiReplicator.Resilience.Tests.Faults;

/// <summary>Which side of a port call a fault is injected on.</summary>
public enum Phase
{
    /// <summary>The call is never made (the worker died, or the request failed, before it).</summary>
    Before,

    /// <summary>The call was made and took effect, but its caller never learns it (died, or the response was lost).</summary>
    After,
}
