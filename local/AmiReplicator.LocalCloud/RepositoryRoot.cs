namespace AmiReplicator.LocalCloud;

/// <summary>Finds the checkout's root (where AmiReplicator.sln is) from wherever a test or tool runs.</summary>
public static class RepositoryRoot
{
    public static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "AmiReplicator.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException(
            $"AmiReplicator.sln not found above {AppContext.BaseDirectory}: run from inside the checkout.");
    }
}
