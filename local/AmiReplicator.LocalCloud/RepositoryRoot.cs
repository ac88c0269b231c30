namespace AmiReplicator.LocalCloud;

/// <summary>Finds the checkout's root (where AmiReplicator.sln is) from wherever a test or tool runs.</summary>
public static class RepositoryRoot
{
    /// <summary>The folder holding AmiReplicator.sln, searched upwards from <paramref name="start"/> (the running program's folder when not given).</summary>
    public static string Find(string? start = null)
    {
        start ??= AppContext.BaseDirectory;
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "AmiReplicator.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"AmiReplicator.sln not found above {start}: run from inside the checkout.");
    }
}
