using System.Text.RegularExpressions;
using AmiReplicator.Domain.Images;
using AmiReplicator.Domain.Jobs;

namespace AmiReplicator.Domain.Policy;

/// <summary>Name and description of a copy, with placeholders filled from the source AMI, within what EC2 accepts.</summary>
public sealed partial record CopyTemplates(string Name, string Description)
{
    public const string DefaultName = "{sourceName}";
    public const string DefaultDescription = "Copy of {sourceImageId} from {sourceRegion}";

    // EC2 limits: AMI names 3..128 characters, descriptions up to 255.
    public const int MaxNameLength = 128;
    public const int MinNameLength = 3;
    public const int MaxDescriptionLength = 255;

    private const string SourceDescription = "sourceDescription";

    private static readonly string[] Placeholders =
        ["sourceName", "sourceImageId", "sourceRegion", SourceDescription, "destinationRegion"];

    public string NameFor(ImageInfo source, string destinationRegion) =>
        Truncate(Fill(Name, source, destinationRegion), MaxNameLength);

    public string DescriptionFor(ImageInfo source, string destinationRegion) =>
        Truncate(Fill(Description, source, destinationRegion), MaxDescriptionLength);

    /// <summary>
    /// The name a copy takes when another image of the account holds the one its template gives (two sources of the same name
    /// copied into one destination): the name, then the source's region and image id, which no other source shares. A name too
    /// long for both is cut before the suffix, so the suffix that makes it unique survives.
    /// </summary>
    public static string DisambiguatedName(string name, CopyJobKey key)
    {
        var suffix = $" ({key.SourceRegion} {key.SourceImageId})";
        return name.EndsWith(suffix, StringComparison.Ordinal)
            ? name
            : Truncate(name, MaxNameLength - suffix.Length).TrimEnd() + suffix;
    }

    /// <summary>The name template: known placeholders, and around them only characters EC2 accepts in an AMI name.</summary>
    internal static string ValidateName(string template, string field)
    {
        ValidatePlaceholders(template, field);
        if (PlaceholderPattern().Matches(template).Any(m => m.Groups[1].Value == SourceDescription))
        {
            throw new PolicyException(field, "{sourceDescription} cannot be used in a name: a description may hold characters EC2 refuses in AMI names");
        }

        var literal = PlaceholderPattern().Replace(template, "");
        var refused = literal.Where(c => !AmiNameCharacter().IsMatch(c.ToString())).Distinct().ToList();
        if (refused.Count > 0)
        {
            throw new PolicyException(field,
                $"EC2 refuses {string.Join(" ", refused.Select(c => $"'{c}'"))} in AMI names; names may hold letters, digits, spaces and ( ) [ ] . / - ' @ _");
        }

        if (literal.Length == template.Length && template.Length < MinNameLength)
        {
            throw new PolicyException(field, $"AMI names are at least {MinNameLength} characters long");
        }

        return template;
    }

    internal static string ValidateDescription(string template, string field)
    {
        ValidatePlaceholders(template, field);
        return template;
    }

    private static void ValidatePlaceholders(string template, string field)
    {
        if (string.IsNullOrWhiteSpace(template))
        {
            throw new PolicyException(field, "must not be empty");
        }

        foreach (Match m in PlaceholderPattern().Matches(template))
        {
            if (!Placeholders.Contains(m.Groups[1].Value))
            {
                throw new PolicyException(field, $"unknown placeholder '{m.Value}'; known: {string.Join(", ", Placeholders.Select(p => "{" + p + "}"))}");
            }
        }
    }

    private static string Fill(string template, ImageInfo source, string destinationRegion) =>
        PlaceholderPattern().Replace(template, m => m.Groups[1].Value switch
        {
            "sourceName" => source.Name,
            "sourceImageId" => source.ImageId,
            "sourceRegion" => source.Region,
            SourceDescription => source.Description ?? "",
            "destinationRegion" => destinationRegion,
            _ => m.Value,
        });

    private static string Truncate(string value, int max) => value.Length <= max ? value : value[..max];

    [GeneratedRegex("\\{([A-Za-z]+)\\}")]
    private static partial Regex PlaceholderPattern();

    [GeneratedRegex(@"^[a-zA-Z0-9()\[\] ./'@_-]$")]
    private static partial Regex AmiNameCharacter();
}
