namespace AmiReplicator.Infra;

/// <summary>The two Lambda entry points, by the folder of their function project.</summary>
public enum LambdaFunction
{
    Dispatcher,
    Poller,
}
