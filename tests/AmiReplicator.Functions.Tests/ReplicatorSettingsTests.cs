using AmiReplicator.Contract;
using AmiReplicator.Functions;

namespace AmiReplicator.Functions.Tests;

/// <summary>Where the functions find their policy: the environment, or a layer's file when it is too large for Lambda's 4 KB.</summary>
public sealed class ReplicatorSettingsTests
{
    private static Func<string, string?> Environment(string variable, string value) => name => name switch
    {
        FunctionEnvironment.TableName => "jobs",
        FunctionEnvironment.AccountId => "123456789012",
        "AWS_REGION" => "us-east-1",
        _ when name == variable => value,
        _ => null,
    };

    [Fact]
    public void A_policy_too_large_for_the_environment_is_read_from_the_file_the_stack_names()
    {
        var file = Path.Combine(Directory.CreateTempSubdirectory("policy-").FullName, "policy.json");
        var accounts = Enumerable.Range(0, 2_000).Select(i => $"{200_000_000_000L + i}").ToList();
        File.WriteAllText(file, $$"""
            {"destinations":[{"region":"eu-west-1"}],"targets":[{"accounts":[{{string.Join(',', accounts.Select(a => $"\"{a}\""))}}],"regions":["eu-west-1"]}]}
            """);

        var settings = ReplicatorSettings.FromEnvironment(Environment(FunctionEnvironment.PolicyFile, file));

        Assert.Equal(accounts, settings.Policy.Targets.Single().Accounts);
    }

    [Fact]
    public void A_policy_file_that_cannot_be_read_or_is_invalid_fails_the_start_naming_the_variable_and_the_file()
    {
        var missing = Path.Combine(Path.GetTempPath(), "no-such-folder", "policy.json");
        var unreadable = Assert.Throws<InvalidOperationException>(() => ReplicatorSettings.FromEnvironment(Environment(FunctionEnvironment.PolicyFile, missing)));
        Assert.StartsWith($"{FunctionEnvironment.PolicyFile} names {missing}, which cannot be read", unreadable.Message, StringComparison.Ordinal);

        var invalid = Path.Combine(Directory.CreateTempSubdirectory("policy-").FullName, "policy.json");
        File.WriteAllText(invalid, """{"destinations":[]}""");
        var refused = Assert.Throws<InvalidOperationException>(() => ReplicatorSettings.FromEnvironment(Environment(FunctionEnvironment.PolicyFile, invalid)));
        Assert.StartsWith($"{FunctionEnvironment.PolicyFile} ({invalid}) is not a valid policy", refused.Message, StringComparison.Ordinal);
    }
}
