using System.Text.RegularExpressions;
using AmiReplicator.Domain.Images;

namespace AmiReplicator.Domain.Policy;

/// <summary>Name and description of a copy, with placeholders filled from the source AMI.</summary>
public sealed partial record CopyTemplates(string Name, string Description)
{
    public const string DefaultName = "{sourceName}";
    public const string DefaultDescription = "Copy of {sourceImageId} from {sourceRegion}";

    private static readonly string[] Placeholders =
        ["sourceName", "sourceImageId", "sourceRegion", "sourceDescription", "destinationRegion"];

    // EC2 limits: AMI names 3..128 characters, descriptions up to 255.
    private const int MaxNameLength = 128;
    private const int MaxDescriptionLength = 255;

    public string NameFor(ImageInfo source, string destinationRegion) =>
        Truncate(Fill(Name, source, destinationRegion), MaxNameLength);

    public string DescriptionFor(ImageInfo source, string destinationRegion) =>
        Truncate(Fill(Description, source, destinationRegion), MaxDescriptionLength);

    internal static string Validate(string template, string field)
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

        return template;
    }

    private static string Fill(string template, ImageInfo source, string destinationRegion) =>
        PlaceholderPattern().Replace(template, m => m.Groups[1].Value switch
        {
            "sourceName" => source.Name,
            "sourceImageId" => source.ImageId,
            "sourceRegion" => source.Region,
            "sourceDescription" => source.Description ?? "",
            "destinationRegion" => destinationRegion,
            _ => m.Value,
        });

    private static string Truncate(string value, int max) => value.Length <= max ? value : value[..max];

    [GeneratedRegex("\\{([A-Za-z]+)\\}")]
    private static partial Regex PlaceholderPattern();
}
