using System.Net;
using Amazon.EC2.Model;
using static AmiReplicator.Ec2Simulator.Tests.Harness;

namespace AmiReplicator.Ec2Simulator.Tests;

/// <summary>How the service as a whole answers: regions, consistency, faults, errors on the wire.</summary>
public sealed class ServiceBehaviourTests
{
    [Fact]
    public async Task A_new_copy_answers_not_found_until_the_visibility_delay_has_passed()
    {
        await using var h = await Harness.StartAsync(o => o with { DescribeVisibilityDelay = TimeSpan.FromSeconds(20) });
        var sourceId = await h.RegisterAsync(Source);
        var copyId = await h.CopyAsync(sourceId);
        var client = h.Client(Destination);

        await Ec2Assert.ErrorAsync("InvalidAMIID.NotFound", () => h.DescribeAsync(Destination, copyId));
        Assert.Empty((await client.DescribeImagesAsync(new DescribeImagesRequest { Filters = [new Filter("image-id", [copyId])] })).Images ?? []);
        await Ec2Assert.ErrorAsync("InvalidAMIID.NotFound", () => client.CreateTagsAsync(new CreateTagsRequest([copyId], [new Tag("a", "b")])));
        Assert.Equal(1, h.Simulator.PendingCopies(Destination));

        h.Clock.Advance(TimeSpan.FromSeconds(20));
        Assert.Equal("pending", (await h.DescribeAsync(Destination, copyId)).State.Value);
    }

    [Fact]
    public async Task Throttling_answers_RequestLimitExceeded_with_503_and_the_sdk_retries_through_it()
    {
        await using var h = await Harness.StartAsync();
        var sourceId = await h.RegisterAsync(Source);
        h.Simulator.InjectFault(Destination, "CopyImage", 1);

        var throttled = await Ec2Assert.ErrorAsync("RequestLimitExceeded", () => h.CopyAsync(sourceId));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, throttled.StatusCode);
        Assert.Equal(0, h.Simulator.PendingCopies(Destination));

        h.Simulator.InjectFault(Destination, "CopyImage", 2);
        using var retrying = CreateClient(h.Simulator.Endpoint, Destination, maxErrorRetry: 2);
        await retrying.CopyImageAsync(new CopyImageRequest { SourceRegion = Source, SourceImageId = sourceId, Name = UniqueName("copy") });
        Assert.Equal(4, h.Simulator.CallCount(Destination, "CopyImage"));
        Assert.Equal(3, h.Simulator.ErrorCount(Destination, "RequestLimitExceeded"));
        Assert.Equal(1, h.Simulator.PendingCopies(Destination));
    }

    [Fact]
    public async Task Server_faults_answer_5xx()
    {
        await using var h = await Harness.StartAsync();
        h.Simulator.InjectFault(Source, "DescribeImages", 1, ApiFault.InternalError);
        h.Simulator.InjectFault(Source, "DescribeImages", 1, ApiFault.Unavailable);
        var describe = () => h.Client(Source).DescribeImagesAsync(new DescribeImagesRequest { Owners = ["self"] });

        Assert.Equal(HttpStatusCode.InternalServerError, (await Ec2Assert.ErrorAsync("InternalError", describe)).StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await Ec2Assert.ErrorAsync("Unavailable", describe)).StatusCode);
        await describe();
    }

    [Fact]
    public async Task A_region_not_opted_in_or_denied_refuses_every_call()
    {
        await using var h = await Harness.StartAsync();
        var sourceId = await h.RegisterAsync(Source);
        h.Simulator.SetRegionAccess("ap-southeast-2", RegionAccess.NotOptedIn);
        h.Simulator.SetRegionAccess("eu-central-1", RegionAccess.Denied);

        var notOptedIn = await Ec2Assert.ErrorAsync("AuthFailure", () => h.CopyAsync(sourceId, destination: "ap-southeast-2"));
        Assert.Equal(HttpStatusCode.Unauthorized, notOptedIn.StatusCode);
        var denied = await Ec2Assert.ErrorAsync("UnauthorizedOperation", () => h.DescribeAsync("eu-central-1", sourceId));
        Assert.Equal(HttpStatusCode.Forbidden, denied.StatusCode);
        var regions = await h.Client(Source).DescribeRegionsAsync(new DescribeRegionsRequest());
        Assert.DoesNotContain(regions.Regions, r => r.RegionName == "ap-southeast-2");
        Assert.Equal(5, regions.Regions.Count);
    }

    [Fact]
    public async Task Unknown_actions_and_unsigned_requests_get_EC2_error_documents()
    {
        await using var h = await Harness.StartAsync();
        using var http = new HttpClient();
        using var unknown = new HttpRequestMessage(HttpMethod.Post, h.Simulator.Endpoint)
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["Action"] = "LaunchRockets", ["Version"] = "2016-11-15" }),
        };
        unknown.Headers.TryAddWithoutValidation(
            "Authorization", $"AWS4-HMAC-SHA256 Credential=test/20261125/{Source}/ec2/aws4_request, SignedHeaders=host, Signature=x");

        var answer = await http.SendAsync(unknown);
        var body = await answer.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.BadRequest, answer.StatusCode);
        Assert.Matches("^<\\?xml[^>]*\\?><Response><Errors><Error><Code>InvalidAction</Code><Message>[^<]+</Message></Error></Errors><RequestID>[0-9a-f-]{36}</RequestID></Response>$", body);

        var unsigned = await http.PostAsync(h.Simulator.Endpoint, new FormUrlEncodedContent(new Dictionary<string, string> { ["Action"] = "DescribeImages" }));
        Assert.Equal(HttpStatusCode.Unauthorized, unsigned.StatusCode);
        Assert.Contains("<Code>AuthFailure</Code>", await unsigned.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }
}
