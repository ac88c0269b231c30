using System.Diagnostics;
using System.Globalization;

namespace AmiReplicator.LocalCloud;

/// <summary>DynamoDB Local 1.25 from the npm package amplify-dynamodb-simulator, run with the machine's Java.</summary>
public static class DynamoDbLocal
{
    public const string UrlVariable = "AMIREPL_DYNAMODB_URL";

    public static Task<LocalServer> UseOrStartAsync()
    {
        var emulator = Path.Combine(RepositoryRoot.Find(), "node_modules", "amplify-dynamodb-simulator", "emulator");
        if (!File.Exists(Path.Combine(emulator, "DynamoDBLocal.jar")))
        {
            throw new InvalidOperationException(
                $"DynamoDB Local not found in {emulator}: run 'npm ci' at the repository root first.");
        }

        return LocalServer.UseOrStartAsync(
            UrlVariable,
            port => new ProcessStartInfo("java",
            [
                $"-Djava.library.path={Path.Combine(emulator, "DynamoDBLocal_lib")}",
                "-jar", Path.Combine(emulator, "DynamoDBLocal.jar"),
                "-inMemory", "-port", port.ToString(CultureInfo.InvariantCulture), "-disableTelemetry",
            ]),
            "DynamoDB Local",
            TimeSpan.FromSeconds(60));
    }
}
