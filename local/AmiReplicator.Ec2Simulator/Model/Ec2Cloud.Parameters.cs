using System.Text.RegularExpressions;

namespace AmiReplicator.Ec2Simulator.Model;

/// <summary>
/// Systems Manager Parameter Store, as far as the replicator uses it: String parameters of data type <c>text</c> or
/// <c>aws:ec2:image</c>. As SSM documents it, an <c>aws:ec2:image</c> value is checked after PutParameter has answered: the write
/// takes effect <see cref="Ec2SimulatorOptions.ParameterValidationDelay"/> later, and only if the value then names an image
/// available in that region to the account; otherwise it is dropped and the parameter keeps what it had (created: not at all).
/// </summary>
internal sealed partial class Ec2Cloud
{
    public const string ImageDataType = "aws:ec2:image";
    public const string TextDataType = "text";
    private const int MaxParameterNameLength = 1011;
    private const int MaxParameterLevels = 15;

    private readonly List<PendingParameterWrite> _parameterWrites = [];
    private readonly List<string> _droppedParameterWrites = [];

    /// <summary>Answers the version the write gets once it takes effect.</summary>
    public long PutParameter(string accountId, string regionName, PutParameterInput input) => Run(() =>
    {
        var region = Region(accountId, regionName);
        var name = ValidParameterName(input.Name);
        if (input.Value is null)
        {
            throw SsmErrors.Validation("1 validation error detected: Value must not be null");
        }

        var dataType = input.DataType ?? TextDataType;
        if (dataType is not (TextDataType or ImageDataType))
        {
            throw SsmErrors.Validation($"The following data type is not supported: {dataType} (Data type names are all lowercase.)");
        }

        region.Parameters.TryGetValue(name, out var existing);
        var type = input.Type ?? existing?.Type ?? throw SsmErrors.Validation("A parameter type is required when you create a parameter.");
        if (dataType == ImageDataType && type != "String")
        {
            throw SsmErrors.Validation($"The data type {ImageDataType} is supported only for the String parameter type.");
        }

        var latestVersion = Math.Max(existing?.Version ?? 0, _parameterWrites.Where(w => w.AccountId == region.AccountId && w.Region == region.Name && w.Name == name).Select(w => w.Version).DefaultIfEmpty(0).Max());
        if (existing is not null || latestVersion > 0)
        {
            if (input.Overwrite != true)
            {
                throw new Ec2Exception("ParameterAlreadyExists", "The parameter already exists. To overwrite this value, set the overwrite option in the request to true.");
            }

            if (existing is not null && existing.DataType != dataType && (existing.DataType == ImageDataType || dataType == ImageDataType))
            {
                throw SsmErrors.Validation($"You can't change the data type of a parameter from {existing.DataType} to {dataType}.");
            }
        }

        var write = new PendingParameterWrite(region.AccountId, region.Name, name, type, dataType, input.Value, input.Description, latestVersion + 1, Now + (dataType == ImageDataType ? _options.ParameterValidationDelay : TimeSpan.Zero));
        if (dataType == ImageDataType)
        {
            _parameterWrites.Add(write);
        }
        else
        {
            Apply(region, write);
        }

        return write.Version;
    });

    public ParameterInfo GetParameter(string accountId, string regionName, string name) => Run(() =>
        Region(accountId, regionName).Parameters.TryGetValue(name, out var parameter)
            ? parameter
            : throw new Ec2Exception("ParameterNotFound", $"Parameter {name} not found."));

    /// <summary>The parameter as it is now, or null.</summary>
    public ParameterInfo? FindParameter(string accountId, string regionName, string name) => Run(() => Region(accountId, regionName).Parameters.GetValueOrDefault(name));

    /// <summary>Writes dropped by the asynchronous check of an aws:ec2:image value, as "region name value: reason".</summary>
    public IReadOnlyList<string> DroppedParameterWrites() => Run(() => (IReadOnlyList<string>)[.. _droppedParameterWrites]);

    /// <summary>Takes effect every aws:ec2:image write whose check is due, in the order they were made.</summary>
    private void ApplyParameterWrites(DateTimeOffset now)
    {
        foreach (var write in _parameterWrites.Where(w => w.ValidatesAt <= now).ToList())
        {
            _parameterWrites.Remove(write);
            var region = Region(write.AccountId, write.Region);
            if (ImageValueProblem(region, write.Value) is { } problem)
            {
                _droppedParameterWrites.Add($"{write.Region} {write.Name} {write.Value}: {problem}");
            }
            else
            {
                Apply(region, write);
            }
        }
    }

    private string? ImageValueProblem(RegionState region, string value) =>
        !ImageIdFormat().IsMatch(value) ? "not an AMI id"
        : !region.Images.TryGetValue(value, out var image) || !Sees(region, image) ? "no such image in the region"
        : image.State != ImageStates.Available ? $"the image is {image.State}"
        : null;

    private void Apply(RegionState region, PendingParameterWrite write)
    {
        if (region.Parameters.TryGetValue(write.Name, out var existing) && existing.Version >= write.Version)
        {
            return;
        }

        region.Parameters[write.Name] = new ParameterInfo(write.Name, write.Type, write.DataType, write.Value, write.Version,
            Now, $"arn:aws:ssm:{write.Region}:{region.AccountId}:parameter{write.Name}");
    }

    private static string ValidParameterName(string? name)
    {
        if (string.IsNullOrEmpty(name) || name.Length > MaxParameterNameLength || !ParameterNameFormat().IsMatch(name))
        {
            throw SsmErrors.Validation($"Parameter name: can't be prefixed with \"aws\" or \"ssm\" (case-insensitive), and must be 1 to {MaxParameterNameLength} characters of a-zA-Z0-9_.-/ ({name})");
        }

        var unrooted = name.TrimStart('/');
        if (unrooted.StartsWith("aws", StringComparison.OrdinalIgnoreCase) || unrooted.StartsWith("ssm", StringComparison.OrdinalIgnoreCase))
        {
            throw SsmErrors.Validation("Parameter name: can't be prefixed with \"aws\" or \"ssm\" (case-insensitive).");
        }

        if (name.Count(c => c == '/') > MaxParameterLevels)
        {
            throw new Ec2Exception("HierarchyLevelLimitExceededException", $"A hierarchy can have a maximum of {MaxParameterLevels} levels.");
        }

        return name;
    }

    [GeneratedRegex("^ami-[0-9a-f]{8,17}$")]
    private static partial Regex ImageIdFormat();

    [GeneratedRegex("^[a-zA-Z0-9_.\\-/]+$")]
    private static partial Regex ParameterNameFormat();

    private sealed record PendingParameterWrite(string AccountId, string Region, string Name, string Type, string DataType, string Value, string? Description, long Version,
        DateTimeOffset ValidatesAt);
}

internal sealed record PutParameterInput(string? Name, string? Value, string? Type, string? DataType, bool? Overwrite, string? Description);

internal static class SsmErrors
{
    public static Ec2Exception Validation(string message) => new("ValidationException", message);
}
