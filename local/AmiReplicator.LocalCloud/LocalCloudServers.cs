namespace AmiReplicator.LocalCloud;

/// <summary>DynamoDB Local and moto, started together (or taken from AMIREPL_DYNAMODB_URL / AMIREPL_MOTO_URL).</summary>
public sealed class LocalCloudServers : IAsyncDisposable
{
    private readonly LocalServer _dynamo;
    private readonly LocalServer _moto;

    private LocalCloudServers(LocalServer dynamo, LocalServer moto)
    {
        _dynamo = dynamo;
        _moto = moto;
    }

    public Uri DynamoDbUrl => _dynamo.Url;
    public Uri MotoUrl => _moto.Url;

    public static async Task<LocalCloudServers> StartAsync()
    {
        var dynamo = DynamoDbLocal.UseOrStartAsync();
        var moto = Moto.UseOrStartAsync();
        return new LocalCloudServers(await dynamo, await moto);
    }

    public async ValueTask DisposeAsync()
    {
        await _dynamo.DisposeAsync();
        await _moto.DisposeAsync();
    }
}
