using System.Text.RegularExpressions;

namespace AmiReplicator.Domain.Policy;

/// <summary>
/// An SSM parameter in each destination per image family (families as <see cref="RetentionPolicy"/> defines them), of data type
/// <c>aws:ec2:image</c>, holding the id of the family's newest available copy there: what launch templates and pipelines read.
/// </summary>
/// <param name="NameTemplate">The parameter's name, with <c>{family}</c> where the family goes, e.g. <c>/amirepl/latest/{family}</c>.</param>
public sealed partial record LatestCopyParameterPolicy(string NameTemplate)
{
    public const string FamilyPlaceholder = "{family}";

    /// <summary>SSM's longest parameter name.</summary>
    public const int MaxNameLength = 1011;

    /// <summary>SSM's deepest hierarchy.</summary>
    public const int MaxLevels = 15;

    /// <summary>The family's parameter name, or null with the reason when the family makes no name SSM accepts.</summary>
    public (string? Name, string? Problem) NameFor(string family)
    {
        var name = NameTemplate.Replace(FamilyPlaceholder, family, StringComparison.Ordinal);
        return Problem(name) is { } problem ? (null, problem) : (name, null);
    }

    /// <summary>The name's problem as SSM sees it (characters, reserved prefixes, length, depth), or null when it takes it.</summary>
    public static string? Problem(string name)
    {
        if (!NamePattern().IsMatch(name))
        {
            return $"'{name}' is not a parameter name: SSM takes a name starting with '/' of letters, digits and _ . - / only";
        }

        if (name.TrimStart('/').StartsWith("aws", StringComparison.OrdinalIgnoreCase) || name.TrimStart('/').StartsWith("ssm", StringComparison.OrdinalIgnoreCase))
        {
            return $"'{name}': SSM reserves names starting with 'aws' or 'ssm'";
        }

        if (name.Length > MaxNameLength)
        {
            return $"'{name}' is longer than SSM's {MaxNameLength} characters";
        }

        return name.Count(c => c == '/') > MaxLevels ? $"'{name}' has more than SSM's {MaxLevels} levels" : null;
    }

    /// <summary>Validates the template; the families named in the policy (name prefixes) must each make a valid name too.</summary>
    public static LatestCopyParameterPolicy FromDocument(string template, RetentionPolicy? retention)
    {
        const string field = "latestCopyParameter";
        if (retention is null)
        {
            throw new PolicyException(field, "names a parameter per image family, and families are defined by retention (familyTag or familyNamePrefixes): add retention");
        }

        if (!template.StartsWith('/') || !template.Contains(FamilyPlaceholder, StringComparison.Ordinal))
        {
            throw new PolicyException(field, $"'{template}' must start with '/' and contain {FamilyPlaceholder}, e.g. \"/amirepl/latest/{FamilyPlaceholder}\"");
        }

        var policy = new LatestCopyParameterPolicy(template);
        if (Problem(template.Replace(FamilyPlaceholder, "family", StringComparison.Ordinal)) is { } problem)
        {
            throw new PolicyException(field, problem);
        }

        for (var i = 0; i < retention.FamilyNamePrefixes.Count; i++)
        {
            if (policy.NameFor(retention.FamilyNamePrefixes[i]).Problem is { } familyProblem)
            {
                throw new PolicyException($"retention.familyNamePrefixes[{i}]", $"makes no latestCopyParameter name: {familyProblem}");
            }
        }

        return policy;
    }

    [GeneratedRegex("^/[a-zA-Z0-9_.\\-/]+$")]
    private static partial Regex NamePattern();
}
