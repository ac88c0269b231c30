namespace AmiReplicator.Contract;

/// <summary>
/// One thing a function needs IAM to allow: an action (<c>ec2:CopyImage</c>) on a kind of resource (<see cref="PermissionScope"/>).
/// Written as <c>"{action} {scope}"</c> in <c>aws-permissions.json</c>.
/// </summary>
public sealed record AwsPermission(string Action, string Scope)
{
    public static AwsPermission Parse(string text)
    {
        var parts = text.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length != 2 || !parts[0].Contains(':', StringComparison.Ordinal))
        {
            throw new FormatException($"'{text}' is not \"<service>:<Action> <scope>\"");
        }

        return new AwsPermission(parts[0], parts[1]);
    }

    public override string ToString() => $"{Action} {Scope}";
}
