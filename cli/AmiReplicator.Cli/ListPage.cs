using System.Text;
using System.Text.Json.Serialization;
using AmiReplicator.Domain.Jobs;

namespace AmiReplicator.Cli;

/// <summary>
/// `list --max-items N --starting-token T`, as the AWS CLI pages: jobs in the order of their keys, at most N, and a token that
/// names the last one printed. The token is opaque to the caller; it holds that key, so the next page starts after it even when
/// jobs were added or removed in between (none is printed twice).
/// </summary>
internal sealed record ListPage(int? MaxItems, CopyJobKey? After)
{
    public static ListPage Parse(int? maxItems, string? startingToken)
    {
        if (maxItems is < 1)
        {
            throw new CliException(ExitCodes.Usage, $"--max-items: {maxItems} is not a number of jobs (1 or more)");
        }

        return new ListPage(maxItems, startingToken is null ? null : KeyOf(startingToken));
    }

    /// <summary>The jobs of this page (of <paramref name="jobs"/>, in key order), and the token of the next (null: this is the last).</summary>
    public (List<CopyJob> Jobs, string? NextToken) Of(IEnumerable<CopyJob> jobs)
    {
        var ordered = jobs.OrderBy(j => Sortable(j.Key), StringComparer.Ordinal).ToList();
        var rest = After is { } after ? ordered.SkipWhile(j => string.CompareOrdinal(Sortable(j.Key), Sortable(after)) <= 0).ToList() : ordered;
        if (MaxItems is not { } max || rest.Count <= max)
        {
            return (rest, null);
        }

        var page = rest.Take(max).ToList();
        return (page, TokenOf(page[^1].Key));
    }

    private static string Sortable(CopyJobKey key) => string.Join('\n', key.SourceRegion, key.SourceImageId, key.DestinationAccount ?? "", key.DestinationRegion);

    private static string TokenOf(CopyJobKey key) => Convert.ToBase64String(Encoding.UTF8.GetBytes(Sortable(key))).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static CopyJobKey KeyOf(string token)
    {
        try
        {
            var base64 = token.Replace('-', '+').Replace('_', '/');
            var text = Encoding.UTF8.GetString(Convert.FromBase64String(base64.PadRight(base64.Length + ((4 - (base64.Length % 4)) % 4), '=')));
            if (text.Split('\n') is [{ Length: > 0 } source, { Length: > 0 } image, var account, { Length: > 0 } destination])
            {
                return new CopyJobKey(source, image, destination) { DestinationAccount = account.Length == 0 ? null : account };
            }
        }
        catch (FormatException)
        {
            // Not base64: said below, as any token list did not print.
        }

        throw new CliException(ExitCodes.Usage, $"--starting-token: '{token}' is not a token that list printed (its nextToken)");
    }
}

/// <summary>What `list` prints for scripts: the jobs, and the token of the next page when there is one.</summary>
internal sealed record JobList(IReadOnlyList<JobView> Jobs, [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? NextToken);
