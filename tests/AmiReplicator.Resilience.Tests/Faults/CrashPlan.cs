namespace AmiReplicator.Resilience.Tests.Faults;

/// <summary>
/// Records every port call in order and, when given a <see cref="CrashPoint"/>, kills the worker once: before or after the
/// first call that matches it. With no crash point it only records (the dry run that finds the boundaries).
/// </summary>
public sealed class CrashPlan(CrashPoint? crashAt = null) : IFaultInjector
{
    private readonly Lock _gate = new();
    private readonly List<Boundary> _calls = [];

    public CrashPoint? CrashAt { get; } = crashAt;

    /// <summary>True once the worker has died: from then on the test runs the system without this plan.</summary>
    public bool Crashed { get; private set; }

    public IReadOnlyList<Boundary> Calls
    {
        get
        {
            lock (_gate)
            {
                return [.. _calls];
            }
        }
    }

    public async Task<T> AroundAsync<T>(string port, string method, string detail, Func<Task<T>> call)
    {
        var boundary = new Boundary(Actor.Name, port, method, detail);
        lock (_gate)
        {
            if (Crashed)
            {
                throw new InvalidOperationException($"{boundary} was called through a worker that crashed already.");
            }

            _calls.Add(boundary);
        }

        CrashIfAt(boundary, Phase.Before);
        var result = await call();
        CrashIfAt(boundary, Phase.After);
        return result;
    }

    private void CrashIfAt(Boundary boundary, Phase phase)
    {
        if (CrashAt is { } point && point.Phase == phase && point.At == boundary)
        {
            Crashed = true;
            throw new SimulatedCrash($"worker crashed {point}");
        }
    }
}
