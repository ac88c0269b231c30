namespace AmiReplicator.Resilience.Tests.Faults;

/// <summary>Decides, around every port call, whether to let it through, fail it, delay it or crash the worker.</summary>
public interface IFaultInjector
{
    Task<T> AroundAsync<T>(string port, string method, string detail, Func<Task<T>> call);
}
