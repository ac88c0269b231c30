using System.Text.RegularExpressions;

namespace AmiReplicator.Domain.Policy;

/// <summary>One wave of a rollout, as validated.</summary>
public sealed record Wave(IReadOnlySet<string> Accounts, IReadOnlySet<string> OrganizationalUnits, TimeSpan Soak);

/// <summary>
/// The order a new build reaches the target accounts in. Waves are numbered from 0 here (1 in what people read): wave 0 is the
/// first wave of the policy together with the home account's own copies, which every target copies from and which never wait;
/// an account the policy puts in no wave is in an implicit last wave (<see cref="Waves"/>.Count), after every named one, so an
/// account added to the targets and forgotten in the waves never gets a build before the accounts that were meant to test it.
/// </summary>
public sealed partial record RolloutPolicy(IReadOnlyList<Wave> Waves)
{
    public const int MaxSoakMinutes = 7 * 24 * 60;

    /// <summary>The implicit wave of the accounts no wave names.</summary>
    public int LastWave => Waves.Count;

    /// <summary>
    /// The wave of a destination account: null is the home account (wave 0); an account named in a wave is in it, else one of its
    /// organizational units (child OUs included: the caller passes every OU on the account's path) named in a wave, the first such;
    /// else the implicit last wave.
    /// </summary>
    public int WaveOf(string? account, IReadOnlySet<string> organizationalUnits)
    {
        if (account is null)
        {
            return 0;
        }

        for (var i = 0; i < Waves.Count; i++)
        {
            if (Waves[i].Accounts.Contains(account))
            {
                return i;
            }
        }

        for (var i = 0; i < Waves.Count; i++)
        {
            if (Waves[i].OrganizationalUnits.Overlaps(organizationalUnits))
            {
                return i;
            }
        }

        return LastWave;
    }

    /// <summary>What a job held for its wave says (waves are numbered from 1 for people).</summary>
    public static string HeldNote(int wave) =>
        $"held for wave {wave + 1}: it starts once every copy of wave {wave} is available and has soaked; a failed one holds it until "
        + "`amirepl rollout resume` or a successful retry";

    /// <summary>How long a wave's copies are all available before the next wave starts (the implicit last wave: none follows).</summary>
    public TimeSpan SoakAfter(int wave) => wave < Waves.Count ? Waves[wave].Soak : TimeSpan.Zero;

    public static RolloutPolicy FromDocument(RolloutDocument document)
    {
        if (document.Waves is not { Count: > 0 } waves)
        {
            throw new PolicyException("rollout.waves", "at least one wave is required (leave rollout out to start every target at once)");
        }

        var seen = new Dictionary<string, string>(StringComparer.Ordinal);
        var validated = new List<Wave>();
        for (var i = 0; i < waves.Count; i++)
        {
            var field = $"rollout.waves[{i}]";
            var wave = waves[i] ?? throw new PolicyException(field, "must be an object with accounts or organizationalUnits");
            var accounts = Listed(wave.Accounts, $"{field}.accounts", AccountIdPattern(), "a 12-digit account id", seen);
            var units = Listed(wave.OrganizationalUnits, $"{field}.organizationalUnits", OrganizationalUnitPattern(),
                "an organizational unit id (ou-...) or a root id (r-...)", seen);
            if (accounts.Count == 0 && units.Count == 0)
            {
                throw new PolicyException(field, "names no accounts and no organizationalUnits");
            }

            var soak = wave.SoakMinutes ?? 0;
            if (soak is < 0 or > MaxSoakMinutes)
            {
                throw new PolicyException($"{field}.soakMinutes", $"must be 0 to {MaxSoakMinutes} (got {soak})");
            }

            validated.Add(new Wave(accounts, units, TimeSpan.FromMinutes(soak)));
        }

        return new RolloutPolicy(validated);
    }

    private static HashSet<string> Listed(List<string>? values, string field, Regex pattern, string what, Dictionary<string, string> seen)
    {
        var set = new HashSet<string>(StringComparer.Ordinal);
        for (var j = 0; j < (values?.Count ?? 0); j++)
        {
            var value = values![j];
            if (value is null || !pattern.IsMatch(value))
            {
                throw new PolicyException($"{field}[{j}]", $"'{value}' is not {what}");
            }

            if (!seen.TryAdd(value, $"{field}[{j}]"))
            {
                throw new PolicyException($"{field}[{j}]", $"{value} is already in {seen[value]}: an account or unit belongs to one wave");
            }

            set.Add(value);
        }

        return set;
    }

    [GeneratedRegex("^\\d{12}$")]
    private static partial Regex AccountIdPattern();

    [GeneratedRegex("^(ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}|r-[0-9a-z]{4,32})$")]
    private static partial Regex OrganizationalUnitPattern();
}
