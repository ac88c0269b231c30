using System.Text.Json.Nodes;
using Amazon.SimpleSystemsManagement;
using AmiReplicator.Contract;
using AmiReplicator.Ec2Simulator;
using AmiReplicator.LocalCloud;
using AmiReplicator.TestSupport;

namespace AmiReplicator.Cli.Tests;

/// <summary>
/// Each exit code of the README's "Exit codes" from each command that can return it, with the one line on stderr that says why.
/// 0 (and nothing on stderr) is in each command's own tests; the other cases of one command are beside its behaviour
/// (CommandTests, BackfillTests, PruneTests, WatchTests).
/// </summary>
[Collection(LocalCloudFixture.Collection)]
public sealed class ExitCodeTests(ExitCodeDeployment deployment) : IClassFixture<ExitCodeDeployment>
{
    private const string NoSuchAmi = "ami-0123456789abcdef0";

    private CliHarness H => deployment.Harness;

    private Ec2Simulator.Ec2Simulator Simulator => H.Replication.Simulator;

    /// <summary>
    /// Every command with the arguments it needs to reach AWS: each row's case stops it before it acts. `retry` names an AMI: with
    /// `--failed` alone the parser would take an unknown option for the AMI.
    /// </summary>
    public static TheoryData<string> EveryCommand => new()
    {
        "status", "list", $"show {NoSuchAmi}", "watch --once", $"replicate {NoSuchAmi} --no-wait", "backfill --dry-run", $"retry {NoSuchAmi}",
        $"cancel {NoSuchAmi}", "prune --dry-run",
    };

    private static string[] Args(string commandLine, params string[] more) => [.. commandLine.Split(' '), .. more];

    [Theory]
    [MemberData(nameof(EveryCommand))]
    public async Task An_unknown_option_is_a_usage_error_2(string command) =>
        (await H.RunAsync(Args(command, "--frobnicate"))).AssertParseError("Unrecognized command or argument '--frobnicate'.");

    [Theory]
    [MemberData(nameof(EveryCommand))]
    public async Task An_AWS_error_is_1(string command)
    {
        // The deployment parameter is every command's first call: each attempt the SDK makes at it answers InternalError.
        var attempts = new AmazonSimpleSystemsManagementConfig().MaxErrorRetry + 1;
        var before = Simulator.CallCount(LocalReplication.Home, "ssm:GetParameter");
        Simulator.InjectFault(LocalReplication.Home, "ssm:GetParameter", attempts, ApiFault.InternalError);

        var result = await H.RunAsync(Args(command));

        result.AssertError(ExitCodes.Error, "InternalError: An internal error has occurred. Please try again.");
        // Each attempt met one fault: none is left for the next row.
        Assert.Equal(before + attempts, Simulator.CallCount(LocalReplication.Home, "ssm:GetParameter"));
    }

    [Theory]
    [MemberData(nameof(EveryCommand))]
    public async Task No_deployment_parameter_is_not_found_3(string command) =>
        (await H.RunAsync(Args(command, "--deployment-parameter", "/amirepl-tests/none"))).AssertError(ExitCodes.NotFound,
            "no deployment parameter /amirepl-tests/none in us-east-1: is the stack deployed in this region? (or pass --table and --queue-url)");

    [Theory]
    [MemberData(nameof(EveryCommand))]
    public async Task Credentials_AWS_cannot_validate_are_4(string command) =>
        // The simulator answers AuthFailure for every call into a region the account may not use, as EC2 answers credentials it cannot validate.
        (await RunRefusedAsync(LocalReplication.Home, RegionAccess.NotOptedIn, Args(command))).AssertError(ExitCodes.Credentials,
            "AWS refused the credentials: AuthFailure: AWS was not able to validate the provided access credentials");

    [Theory]
    [MemberData(nameof(EveryCommand))]
    public async Task Access_AWS_denies_is_4(string command) =>
        (await RunRefusedAsync(LocalReplication.Home, RegionAccess.Denied, Args(command))).AssertError(ExitCodes.Credentials,
            "access denied: You are not authorized to perform this operation.");

    [Theory]
    [MemberData(nameof(EveryCommand))]
    public async Task A_profile_that_does_not_exist_is_4(string command) =>
        (await H.RunAsync(Args(command, "--profile", "amirepl-tests-no-such-profile"))).AssertError(ExitCodes.Credentials,
            "no AWS profile named 'amirepl-tests-no-such-profile' in the config or credentials files");

    public static TheoryData<string, string[]> CommandLinesTheParserRefuses => new()
    {
        { "frobnicate", ["Required command was not provided.", "Unrecognized command or argument 'frobnicate'."] },
        { "list --output yaml", ["Argument 'yaml' not recognized. Must be one of: 'table' 'json' 'text'"] },
        { "status --policy-file /amirepl-tests/no-such-policy.json", ["File does not exist: '/amirepl-tests/no-such-policy.json'."] },
        { $"replicate {NoSuchAmi} --wait-seconds -1", ["--wait-seconds: -1 is not a number of seconds (0 or more)"] },
    };

    [Theory]
    [MemberData(nameof(CommandLinesTheParserRefuses))]
    public async Task A_command_line_the_parser_refuses_is_a_usage_error_2(string commandLine, string[] reasons) =>
        (await H.RunAsync(Args(commandLine))).AssertParseError(reasons);

    /// <summary>Values each command checks itself (those of replicate, backfill, retry, watch and prune are in their own tests).</summary>
    public static TheoryData<string, string> ValuesTheCommandRefuses => new()
    {
        { "status --region mars-east-1", "--region: 'mars-east-1' is not a known AWS region" },
        { "list --state DONE", "--state: 'DONE' is not one of WAITING, CLAIMED, COPYING, AVAILABLE, FAILED, CANCELLED" },
        { $"show {NoSuchAmi} --from mars-east-1", "--from: 'mars-east-1' is not a known AWS region" },
        { $"cancel {NoSuchAmi} --to mars-east-1", "--to: 'mars-east-1' is not a known AWS region" },
        { "status --account 123", NotAnAccount },
        { "list --account 123", NotAnAccount },
        { $"show {NoSuchAmi} --account 123", NotAnAccount },
        { "watch --once --account 123", NotAnAccount },
        { $"retry {NoSuchAmi} --account 123", NotAnAccount },
        { $"cancel {NoSuchAmi} --account 123", NotAnAccount },
    };

    private const string NotAnAccount = "--account: '123' is neither home nor a 12-digit account id";

    [Theory]
    [MemberData(nameof(ValuesTheCommandRefuses))]
    public async Task A_value_the_command_refuses_is_a_usage_error_2(string commandLine, string message) =>
        (await H.RunAsync(Args(commandLine))).AssertError(ExitCodes.Usage, message);

    /// <summary>The commands that read the job table before anything else they need.</summary>
    public static TheoryData<string> TableReaders => new() { "status", "list", $"show {NoSuchAmi}", "watch --once", "retry --failed" };

    [Theory]
    [MemberData(nameof(TableReaders))]
    public async Task No_job_table_is_not_found_3(string command) =>
        (await H.RunAsync(Args(command, "--table", "no-such-table", "--queue-url", H.Replication.Queues.QueueUrl))).AssertError(ExitCodes.NotFound,
            "the job table was not found (Cannot do operations on a non-existent table): check --region and --table");

    /// <summary>What a command was asked to act on does not exist (replicate and retry without --account: in CommandTests).</summary>
    public static TheoryData<string, string> NothingToActOn => new()
    {
        { $"show {NoSuchAmi}", $"no copy job for {NoSuchAmi}" },
        { $"cancel {NoSuchAmi}", $"no copy job for {NoSuchAmi}" },
        { $"show {NoSuchAmi} --account home", $"no copy job for {NoSuchAmi} in the home account" },
        { $"cancel {NoSuchAmi} --account 111111111111", $"no copy job for {NoSuchAmi} in account 111111111111" },
        { $"retry {NoSuchAmi} --account 111111111111 --account home", $"no failed or cancelled job of {NoSuchAmi} to retry in the home account or account 111111111111" },
    };

    [Theory]
    [MemberData(nameof(NothingToActOn))]
    public async Task What_the_command_names_not_existing_is_not_found_3(string commandLine, string message) =>
        (await H.RunAsync(Args(commandLine))).AssertError(ExitCodes.NotFound, message);

    [Fact]
    public async Task Replicate_whose_jobs_the_dispatcher_has_not_written_in_time_is_5()
    {
        // No dispatcher runs here: the request stays queued.
        var result = await H.RunAsync("replicate", deployment.SourceImageId, "--wait-seconds", "0");

        result.AssertError(ExitCodes.TimedOut,
            "the request is queued, but the dispatcher had not written every job in time (see the DLQ if it never does; --wait-seconds waits longer)");
        Assert.Contains($"Enqueued: {LocalReplication.Home}/{deployment.SourceImageId} -> every destination of the policy", result.Output, StringComparison.Ordinal);
    }

    /// <summary>Commands that call EC2 outside the home region, with the region each calls.</summary>
    public static TheoryData<string, string> Ec2Callers => new()
    {
        { "us-west-2", $"replicate {NoSuchAmi} --from us-west-2 --no-wait" },
        { "us-west-2", "backfill --dry-run --from us-west-2" },
        { "eu-west-1", "prune --dry-run --to eu-west-1" },
    };

    [Theory]
    [MemberData(nameof(Ec2Callers))]
    public async Task EC2_denying_access_is_4_as_any_service_denying_it(string region, string commandLine) =>
        // The EC2 adapter wraps EC2's answer: it was reported as an unknown error (1) before.
        (await RunRefusedAsync(region, RegionAccess.Denied, Args(commandLine))).AssertError(ExitCodes.Credentials,
            "access denied: You are not authorized to perform this operation.");

    private const string UnusableParameter = "/amirepl-tests/unusable/deployment";

    /// <summary>Deployment parameters a command cannot use, with what it says: none of them is the command line's fault.</summary>
    public static TheoryData<string, string> UnusableDeploymentParameters => new()
    {
        { """{"tableName":"t"}""", $"the deployment parameter {UnusableParameter} has no \"{DeploymentParameter.HomeRegion}\"" },
        {
            new JsonObject
            {
                [DeploymentParameter.TableName] = "t",
                [DeploymentParameter.RequestQueueUrl] = "q",
                [DeploymentParameter.HomeRegion] = LocalReplication.Home,
                [DeploymentParameter.Policy] = """{"destinations":[]}""",
            }.ToJsonString(),
            $"the policy in parameter {UnusableParameter} is not valid: destinations: at least one destination region is required"
        },
    };

    [Theory]
    [MemberData(nameof(UnusableDeploymentParameters))]
    public async Task A_deployment_parameter_that_cannot_be_used_is_1(string value, string message)
    {
        await H.Replication.PutParameterAsync(UnusableParameter, value);

        (await H.RunAsync("status", "--deployment-parameter", UnusableParameter)).AssertError(ExitCodes.Error, message);
    }

    [Fact]
    public async Task A_request_queue_that_does_not_exist_is_not_found_3()
    {
        var gone = $"{H.Replication.Queues.QueueUrl}-gone";

        (await H.RunAsync("replicate", deployment.SourceImageId, "--no-wait", "--queue-url", gone)).AssertError(ExitCodes.NotFound,
            "the request queue was not found (The specified queue does not exist.): check --region and --queue-url");
    }

    /// <summary>Runs `amirepl` while <paramref name="region"/> refuses every call as <paramref name="access"/> says.</summary>
    private async Task<CliResult> RunRefusedAsync(string region, RegionAccess access, string[] args)
    {
        Simulator.SetRegionAccess(region, access);
        try
        {
            return await H.RunAsync(args);
        }
        finally
        {
            Simulator.SetRegionAccess(region, RegionAccess.Enabled);
        }
    }
}
