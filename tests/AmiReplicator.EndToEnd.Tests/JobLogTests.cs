using System.Text.Json;
using AmiReplicator.Domain.Jobs;
using AmiReplicator.Domain.Policy;
using AmiReplicator.LocalCloud;
using AmiReplicator.TestSupport;
using RoleTrust = AmiReplicator.Ec2Simulator.RoleTrust;
using SeedImage = AmiReplicator.Ec2Simulator.SeedImage;

namespace AmiReplicator.EndToEnd.Tests;

/// <summary>
/// The functions' log lines as CloudWatch Logs Insights reads them: every line about a job names it by fields (its id, source
/// image, both regions, the target account), every line names the invocation that wrote it, and no field is empty.
/// </summary>
[Collection(LocalCloudFixture.Collection)]
public class JobLogTests(LocalCloudFixture cloud)
{
    private const string TargetAccount = "111111111111";

    [Fact]
    public async Task Every_line_about_a_job_carries_its_fields_and_the_request_id_of_its_invocation()
    {
        await using var h = await LocalReplication.StartAsync(cloud.Servers, $$$"""
            {"destinations":[{"region":"eu-west-1"}],"targets":[{"accounts":["{{{TargetAccount}}}"],"regions":["eu-west-1"]}],
             "retries":{"maxAttempts":2}}
            """);
        h.Simulator.Account(TargetAccount).CreateRole(Target.DefaultRoleName, new RoleTrust(h.Simulator.AccountId));
        h.Simulator.FailNextCopies("eu-west-1", 1);
        var imageId = h.Simulator.SeedImage("us-east-1", new SeedImage { Name = "golden-1" });
        await h.SendAsync($$"""{"sourceRegion":"us-east-1","sourceImageId":"{{imageId}}","requestedBy":"alice"}""");
        await h.DeliverAsync();
        var jobs = await h.RunPollerUntilDoneAsync();
        Assert.All(jobs, j => Assert.Equal(CopyJobState.Available, j.State));

        var lines = h.Log.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => JsonDocument.Parse(l).RootElement)
            .Where(l => l.TryGetProperty("level", out _))
            .ToList();
        Assert.All(lines, l => Assert.False(string.IsNullOrEmpty(l.GetProperty("requestId").GetString())));
        Assert.All(lines.SelectMany(l => l.EnumerateObject()), field => Assert.True(
            field.Value.ValueKind is not (JsonValueKind.Null or JsonValueKind.Undefined) && !(field.Value.ValueKind == JsonValueKind.String && string.IsNullOrWhiteSpace(field.Value.GetString())),
            $"{field.Name} has no value"));
        Assert.All(lines.Where(l => l.TryGetProperty("Attempt", out _)), l => Assert.Equal(JsonValueKind.Number, l.GetProperty("Attempt").ValueKind));

        // A line about a job names it in its message; the longest key named is the job (a home key is never part of a target's).
        var keys = jobs.Select(j => j.Key).ToList();
        var jobLines = lines
            .Select(l => (Line: l, Job: keys.Where(k => l.GetProperty("message").GetString()!.Contains(k.ToString(), StringComparison.Ordinal))
                .MaxBy(k => k.ToString().Length)))
            .Where(l => l.Job is not null)
            .ToList();
        foreach (var (line, job) in jobLines)
        {
            Assert.Equal(
                (job!.HolderId, job.SourceImageId, job.SourceRegion, job.DestinationRegion, job.DestinationAccount),
                (line.GetProperty("JobId").GetString(), line.GetProperty("SourceImageId").GetString(), line.GetProperty("SourceRegion").GetString(),
                    line.GetProperty("DestinationRegion").GetString(), line.TryGetProperty("DestinationAccount", out var account) ? account.GetString() : null));
        }

        // Both jobs were logged through the poller's pass (started, failed and retried, available), each invocation with its own id.
        Assert.All(keys, k => Assert.Contains(jobLines, l => l.Job == k && l.Line.GetProperty("logger").GetString()!.EndsWith("CopyFinisher", StringComparison.Ordinal)));
        Assert.Contains(jobLines, l => l.Line.TryGetProperty("Attempt", out _));
        Assert.True(lines.Select(l => l.GetProperty("requestId").GetString()).Distinct().Count() > 1);
    }
}
