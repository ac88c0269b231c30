using Amazon.Runtime;
using Amazon.SimpleSystemsManagement;
using Amazon.SimpleSystemsManagement.Model;
using static AmiReplicator.Ec2Simulator.Tests.Harness;

namespace AmiReplicator.Ec2Simulator.Tests;

/// <summary>Parameter Store's aws:ec2:image parameters, through the real AWSSDK.SimpleSystemsManagement client, as SSM documents them.</summary>
public sealed class ParameterStoreTests
{
    private const string Name = "/amirepl/latest/golden";

    [Fact]
    public async Task An_image_id_takes_effect_only_after_the_asynchronous_check_and_only_when_it_names_an_available_image_of_the_region()
    {
        await using var h = await Harness.StartAsync();
        using var ssm = Client(h, Destination);
        var image = await h.RegisterAsync(Destination);
        var elsewhere = await h.RegisterAsync(Source);

        var put = await ssm.PutParameterAsync(Request(image));
        Assert.Equal(1, put.Version);
        // Answered before the check: not there yet.
        await Assert.ThrowsAsync<ParameterNotFoundException>(() => ssm.GetParameterAsync(new GetParameterRequest { Name = Name }));

        h.Clock.Advance(TimeSpan.FromSeconds(5));
        var parameter = (await ssm.GetParameterAsync(new GetParameterRequest { Name = Name })).Parameter;
        Assert.Equal((image, "aws:ec2:image", 1L), (parameter.Value, parameter.DataType, parameter.Version));

        // An image of another region, or no image at all: PutParameter succeeds, the check drops the write, the old value stays.
        await ssm.PutParameterAsync(Request(elsewhere, overwrite: true));
        await ssm.PutParameterAsync(Request("ami-0123456789abcdef0", overwrite: true));
        h.Clock.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal(image, (await ssm.GetParameterAsync(new GetParameterRequest { Name = Name })).Parameter.Value);
        Assert.Equal(2, h.Simulator.DroppedParameterWrites().Count);
    }

    [Fact]
    public async Task Overwriting_needs_the_flag_and_the_data_type_cannot_change_to_or_from_aws_ec2_image()
    {
        await using var h = await Harness.StartAsync();
        using var ssm = Client(h, Destination);
        var image = await h.RegisterAsync(Destination);
        await ssm.PutParameterAsync(Request(image));
        h.Clock.Advance(TimeSpan.FromSeconds(5));

        Assert.Equal("ParameterAlreadyExists", (await Assert.ThrowsAsync<ParameterAlreadyExistsException>(() => ssm.PutParameterAsync(Request(image)))).ErrorCode);
        var text = new PutParameterRequest { Name = Name, Value = image, Type = ParameterType.String, DataType = "text", Overwrite = true };
        Assert.Equal("ValidationException", (await Assert.ThrowsAnyAsync<AmazonSimpleSystemsManagementException>(() => ssm.PutParameterAsync(text))).ErrorCode);
    }

    [Theory]
    [InlineData("/aws/latest")]
    [InlineData("/ssm-images/latest")]
    [InlineData("/latest/with space")]
    public async Task Names_ssm_does_not_take_are_refused_at_once(string name)
    {
        await using var h = await Harness.StartAsync();
        using var ssm = Client(h, Destination);
        var image = await h.RegisterAsync(Destination);
        var request = Request(image);
        request.Name = name;
        Assert.Equal("ValidationException", (await Assert.ThrowsAnyAsync<AmazonSimpleSystemsManagementException>(() => ssm.PutParameterAsync(request))).ErrorCode);
    }

    private static PutParameterRequest Request(string imageId, bool overwrite = false) => new()
    {
        Name = Name,
        Value = imageId,
        Type = ParameterType.String,
        DataType = "aws:ec2:image",
        Overwrite = overwrite,
    };

    private static AmazonSimpleSystemsManagementClient Client(Harness h, string region) =>
        new(new BasicAWSCredentials("test", "test"), new AmazonSimpleSystemsManagementConfig
        {
            ServiceURL = h.Simulator.Endpoint.ToString(),
            AuthenticationRegion = region,
            MaxErrorRetry = 0,
        });
}
