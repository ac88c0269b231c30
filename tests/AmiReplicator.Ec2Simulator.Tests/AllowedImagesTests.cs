using Amazon.EC2;
using Amazon.EC2.Model;
using static AmiReplicator.Ec2Simulator.Tests.Harness;

namespace AmiReplicator.Ec2Simulator.Tests;

/// <summary>
/// Allowed AMIs, per account and region: where enabled, an image another account shares is neither listed, described nor launched
/// unless a criterion admits its provider (and name); audit-mode and disabled restrict nothing; the account's own images always pass.
/// </summary>
public sealed class AllowedImagesTests
{
    private const string Spoke = OtherAccount;

    [Fact]
    public async Task The_settings_are_read_and_changed_through_the_api_and_a_declarative_policys_cannot_be_changed_by_the_account()
    {
        await using var h = await Harness.StartAsync();
        using var spoke = h.ClientOf(Spoke, Destination);

        var initial = await spoke.GetAllowedImagesSettingsAsync(new GetAllowedImagesSettingsRequest());
        Assert.Equal(("disabled", "account"), (initial.State, initial.ManagedBy?.Value));
        Assert.Equal("audit-mode", (await spoke.EnableAllowedImagesSettingsAsync(new EnableAllowedImagesSettingsRequest { AllowedImagesSettingsState = "audit-mode" })).AllowedImagesSettingsState.Value);
        await spoke.ReplaceImageCriteriaInAllowedImagesSettingsAsync(new ReplaceImageCriteriaInAllowedImagesSettingsRequest
        {
            ImageCriteria = [new ImageCriterionRequest { ImageProviders = ["amazon", h.Simulator.AccountId], ImageNames = ["golden-*"] }],
        });

        var read = await spoke.GetAllowedImagesSettingsAsync(new GetAllowedImagesSettingsRequest());
        Assert.Equal("audit-mode", read.State);
        var criterion = Assert.Single(read.ImageCriteria);
        Assert.Equal(["amazon", h.Simulator.AccountId], criterion.ImageProviders);
        Assert.Equal(["golden-*"], criterion.ImageNames);
        // Per region: the other region of the account is untouched.
        Assert.Equal("disabled", (await h.ClientOf(Spoke, Source).GetAllowedImagesSettingsAsync(new GetAllowedImagesSettingsRequest())).State);
        await Ec2Assert.ErrorAsync("InvalidParameterValue", () => spoke.ReplaceImageCriteriaInAllowedImagesSettingsAsync(
            new ReplaceImageCriteriaInAllowedImagesSettingsRequest { ImageCriteria = [new ImageCriterionRequest { ImageProviders = ["none", "amazon"] }] }));

        h.Simulator.Account(Spoke).SetAllowedImages(Destination, "enabled", [new AllowedImagesCriterion(["amazon"])], byDeclarativePolicy: true);
        Assert.Equal("declarative-policy", (await spoke.GetAllowedImagesSettingsAsync(new GetAllowedImagesSettingsRequest())).ManagedBy.Value);
        await Ec2Assert.ErrorAsync("OperationNotPermitted", () => spoke.DisableAllowedImagesSettingsAsync(new DisableAllowedImagesSettingsRequest()));
    }

    [Fact]
    public async Task Where_enabled_a_shared_image_of_a_provider_not_allowed_is_neither_described_nor_launched_and_the_accounts_own_always_are()
    {
        await using var h = await Harness.StartAsync();
        var shared = await h.RegisterAsync(Destination, name: "golden-1");
        await h.Client(Destination).ModifyImageAttributeAsync(new ModifyImageAttributeRequest
        {
            ImageId = shared,
            LaunchPermission = new LaunchPermissionModifications { Add = [new LaunchPermission { UserId = Spoke }] },
        });
        using var spoke = h.ClientOf(Spoke, Destination);
        var own = (await spoke.RegisterImageAsync(new RegisterImageRequest { Name = UniqueName("own"), RootDeviceName = "/dev/xvda" })).ImageId;
        var account = h.Simulator.Account(Spoke);

        async Task<List<string>> Seen() =>
        [
            .. ((await spoke.DescribeImagesAsync(new DescribeImagesRequest { ImageIds = [shared, own] })).Images ?? []).Select(i => i.ImageId),
            .. ((await spoke.DescribeImagesAsync(new DescribeImagesRequest { ExecutableUsers = ["self"] })).Images ?? []).Select(i => "listed " + i.ImageId),
        ];

        account.SetAllowedImages(Destination, "enabled", [new AllowedImagesCriterion(["amazon"]), new AllowedImagesCriterion([h.Simulator.AccountId], ["silver-*"])]);
        Assert.Equal([own], await Seen());
        Assert.Equal("AuthFailure", Assert.Throws<Ec2RefusedException>(() => account.LaunchInstance(Destination, shared)).Code);
        account.LaunchInstance(Destination, own);

        foreach (var (state, criteria) in new[]
        {
            ("enabled", new[] { new AllowedImagesCriterion(["amazon", h.Simulator.AccountId]) }),
            ("enabled", [new AllowedImagesCriterion([], ["golden-*"])]),
            ("audit-mode", [new AllowedImagesCriterion(["amazon"])]),
            ("disabled", [new AllowedImagesCriterion(["none"])]),
        })
        {
            account.SetAllowedImages(Destination, state, criteria);
            Assert.Equal(new[] { shared, own, "listed " + shared }.Order(StringComparer.Ordinal), (await Seen()).Order(StringComparer.Ordinal));
            account.LaunchInstance(Destination, shared);
        }
    }
}
