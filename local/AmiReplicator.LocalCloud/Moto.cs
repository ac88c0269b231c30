using System.Diagnostics;

namespace AmiReplicator.LocalCloud;

/// <summary>moto_server on loopback: SQS and EventBridge for the local cloud, EC2 as the reference model.</summary>
public static class Moto
{
    public const string UrlVariable = "AMIREPL_MOTO_URL";

    public static Task<LocalServer> UseOrStartAsync() =>
        LocalServer.UseOrStartAsync(
            UrlVariable,
            port => new ProcessStartInfo("moto_server", ["-H", "127.0.0.1", "-p", port.ToString(System.Globalization.CultureInfo.InvariantCulture)]),
            "moto_server",
            TimeSpan.FromSeconds(60));
}
