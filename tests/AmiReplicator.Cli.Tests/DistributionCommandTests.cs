using AmiReplicator.Domain.Jobs;
using AmiReplicator.Ec2Simulator;
using AmiReplicator.TestSupport;

namespace AmiReplicator.Cli.Tests;

/// <summary>`amirepl wait AMI` (exit code by the distribution's outcome), `amirepl show AMI`'s summary per account, and `amirepl rollout resume`.</summary>
[Collection(LocalCloudFixture.Collection)]
public sealed class DistributionCommandTests(LocalCloudFixture cloud)
{
    private const string WithRole = "111111111111";
    private const string Policy = """
        {"destinations":[{"region":"eu-west-1"},{"region":"ap-southeast-2"}],
         "targets":[{"accounts":["111111111111","222222222222","333333333333"],"regions":["eu-west-1"],"maxInFlight":5}]}
        """;

    [Fact]
    public async Task Wait_exits_0_when_every_copy_is_available_8_when_some_failed_5_when_not_ended_in_time_and_3_for_an_AMI_without_jobs()
    {
        await using var h = await CliHarness.StartAsync(cloud.Servers, """{"destinations":[{"region":"eu-west-1"},{"region":"ap-southeast-2"}]}""");
        var copied = await h.NewSourceAsync("golden-1");
        await h.Replication.RunPollerUntilDoneAsync();
        var pending = await h.NewSourceAsync("golden-2");

        var done = await h.RunAsync("wait", copied);
        Assert.Equal((ExitCodes.Done, ""), (done.ExitCode, done.Error));
        Assert.Contains($"us-east-1/{copied}: ended: AVAILABLE 2", done.Output, StringComparison.Ordinal);

        var late = await h.RunAsync("wait", pending, "--timeout", "0");
        late.AssertError(ExitCodes.TimedOut, $"us-east-1/{pending} had not ended after 0 seconds: 2 copies still open");
        (await h.RunAsync("wait", "ami-0123456789abcdef0", "--timeout", "0"))
            .AssertError(ExitCodes.NotFound, "no copy job of us-east-1/ami-0123456789abcdef0 was recorded within 0 seconds (check the AMI and --source-region)");
        (await h.RunAsync("wait", copied, "--interval", "0")).AssertError(ExitCodes.Usage, "wait: --timeout must be 0 or more and --interval above 0 and at most 3600 seconds");
    }

    [Fact]
    public async Task Wait_exits_8_with_the_counts_when_target_copies_failed_and_show_summarises_each_account_before_its_jobs()
    {
        await using var h = await CliHarness.StartAsync(cloud.Servers, Policy);
        h.Replication.Simulator.Account(WithRole).CreateRole("AmiReplicatorSpoke", new RoleTrust(h.Replication.Simulator.AccountId));
        var imageId = await h.NewSourceAsync("golden-1");
        await h.Replication.RunPollerUntilDoneAsync();

        var waited = await h.RunAsync("wait", imageId, "--source-region", "us-east-1");
        waited.AssertError(ExitCodes.NotAllAvailable, $"us-east-1/{imageId} ended with copies not made: ended: AVAILABLE 3, FAILED 2 ({FailureCodes.RoleDenied} 2)");
        var json = (await h.RunAsync("wait", imageId, "--output", "json")).Json;
        Assert.Equal((true, 3L, 2L), ((bool)json["ended"]!, (long)json["byState"]!["AVAILABLE"]!, (long)json["byFailureCode"]![FailureCodes.RoleDenied]!));

        var shown = await h.RunAsync("show", imageId);
        Assert.Equal(0, shown.ExitCode);
        var lines = shown.Output.Split('\n', StringSplitOptions.TrimEntries);
        Assert.Equal(
        [
            $"us-east-1/{imageId}: ended: AVAILABLE 3, FAILED 2 ({FailureCodes.RoleDenied} 2)",
            "home: AVAILABLE 2",
            "111111111111: AVAILABLE 1",
            $"222222222222: FAILED 1 ({FailureCodes.RoleDenied} 1)",
            $"333333333333: FAILED 1 ({FailureCodes.RoleDenied} 1)",
            "",
        ], lines.Take(6));
        var accounts = (await h.JsonAsync("show", imageId))["accounts"]!.AsArray();
        Assert.Equal(["home", "111111111111", "222222222222", "333333333333"], accounts.Select(a => (string)a!["account"]!));
    }

    [Fact]
    public async Task Rollout_resume_of_an_AMI_whose_waves_are_not_held_exits_1_and_of_an_unknown_AMI_3()
    {
        await using var h = await CliHarness.StartAsync(cloud.Servers, Policy.Replace("}]}", """}],"rollout":{"waves":[{"accounts":["111111111111"]}]}}""", StringComparison.Ordinal));
        h.Replication.Simulator.Account(WithRole).CreateRole("AmiReplicatorSpoke", new RoleTrust(h.Replication.Simulator.AccountId));
        var imageId = await h.NewSourceAsync("golden-1");

        (await h.RunAsync("rollout", "resume", imageId)).AssertError(ExitCodes.Error,
            $"wave 2 is not held by a failed target: it starts when every copy of wave 1 is available and has soaked");
        (await h.RunAsync("rollout", "resume", "ami-0123456789abcdef0")).AssertError(ExitCodes.NotFound, "no distribution of us-east-1/ami-0123456789abcdef0 is recorded");
    }

    [Fact]
    public async Task Two_waves_held_by_one_failed_target_are_shown_held_and_go_when_a_person_resumes_the_rollout()
    {
        // Wave 1: 111111111111 (its spoke role deployed) and 222222222222 (none: ROLE_DENIED); wave 2: 333333333333.
        await using var h = await CliHarness.StartAsync(cloud.Servers,
            Policy.Replace("}]}", """}],"rollout":{"waves":[{"accounts":["111111111111","222222222222"]},{"accounts":["333333333333"]}]}}""", StringComparison.Ordinal));
        foreach (var account in new[] { WithRole, "333333333333" })
        {
            h.Replication.Simulator.Account(account).CreateRole("AmiReplicatorSpoke", new RoleTrust(h.Replication.Simulator.AccountId));
        }

        var imageId = await h.NewSourceAsync("golden-1");
        var third = new CopyDestination("eu-west-1", "333333333333");
        for (var minute = 0; minute < 60 && (await h.Replication.JobsAsync()).Count(j => j.State.IsTerminal()) < 4; minute++)
        {
            h.Replication.Clock.Advance(TimeSpan.FromMinutes(1));
            await h.Replication.RunPollerAsync();
        }

        // Wave 1 has ended with one failure: wave 2 stays held, however long the poller runs, and says why.
        for (var pass = 0; pass < 3; pass++)
        {
            h.Replication.Clock.Advance(TimeSpan.FromMinutes(1));
            await h.Replication.RunPollerAsync();
        }

        var held = (await h.Replication.JobsAsync()).Single(j => j.Key.Destination == third);
        Assert.Equal((CopyJobState.Waiting, true), (held.State, held.Held));
        var shown = await h.RunAsync("show", imageId);
        Assert.Contains($"wave 2 and later are held: wave 1 has 1 FAILED:{FailureCodes.RoleDenied}", shown.Output, StringComparison.Ordinal);

        // The CLI writes the resume with the real clock; the poller's virtual clock is taken to it, as both read one clock in AWS.
        h.Replication.Clock.SetUtcNow(DateTimeOffset.UtcNow);
        var resumed = await h.RunAsync("rollout", "resume", imageId, "--reason", "222222222222 is being retired");
        Assert.Equal((ExitCodes.Done, ""), (resumed.ExitCode, resumed.Error));
        var jobs = await h.Replication.RunPollerUntilDoneAsync();
        Assert.Equal(CopyJobState.Available, jobs.Single(j => j.Key.Destination == third).State);
        Assert.Contains("222222222222 is being retired", jobs.Single(j => j.Key.Destination == third).Notes[^1], StringComparison.Ordinal);
    }
}
