using System.CommandLine;
using System.Text.RegularExpressions;
using AmiReplicator.Domain.Jobs;

namespace AmiReplicator.Cli;

/// <summary>
/// `--account` (repeatable): the accounts whose jobs a command keeps to; none named: every account. `home` stands for the account
/// the replicator runs in, whose jobs carry no account (the table keeps them as before targets existed); its own id does too, once
/// the deployment names it (see <see cref="For"/>).
/// </summary>
internal sealed partial class AccountFilter
{
    public const string Home = "home";

    public static readonly AccountFilter Any = new([]);

    /// <summary>The accounts kept, the home account as null; empty: every account.</summary>
    private readonly HashSet<string?> _accounts;

    private AccountFilter(HashSet<string?> accounts) => _accounts = accounts;

    public static Option<string[]> CreateOption(string what) => new("--account")
    {
        Description = $"Only {what} of these accounts (repeatable): a 12-digit target account id, or {Home} for the account the replicator runs in "
            + "(its own id works too when the deployment parameter names it).",
    };

    /// <summary>The values of <c>--account</c>, checked before any call: each is <see cref="Home"/> or an account id.</summary>
    public static AccountFilter Parse(string[]? values) => new([.. (values ?? []).Select(v => v == Home ? null
        : IsAccountId(v) ? v
        : throw new CliException(ExitCodes.Usage, $"--account: '{v}' is neither {Home} nor a 12-digit account id"))]);

    public static bool IsAccountId(string text) => AccountId().IsMatch(text);

    /// <summary>This filter within <paramref name="deployment"/>: its home account's own id stands for home.</summary>
    public AccountFilter For(Deployment deployment) => deployment.AccountId is { } home && _accounts.Contains(home)
        ? new([.. _accounts.Select(a => a == home ? null : a)])
        : this;

    /// <summary>The accounts named, the home account as null (empty: none named, every account).</summary>
    public IReadOnlyCollection<string?> Named => _accounts;

    /// <summary>Whether no account was named.</summary>
    public bool IsAny => _accounts.Count == 0;

    public bool Covers(CopyDestination destination) => IsAny || _accounts.Contains(destination.Account);

    /// <summary>How a message names the accounts kept: nothing for every account, else " in account ..." (for "no job ... in account ...").</summary>
    public string Described => IsAny
        ? ""
        : $" in {string.Join(" or ", _accounts.Order(StringComparer.Ordinal).Select(a => a is null ? "the home account" : $"account {a}"))}";

    [GeneratedRegex("^[0-9]{12}$", RegexOptions.CultureInvariant)]
    private static partial Regex AccountId();
}
