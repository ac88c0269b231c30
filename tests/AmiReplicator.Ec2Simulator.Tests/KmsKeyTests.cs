using Amazon.KeyManagementService;
using Amazon.KeyManagementService.Model;
using Amazon.Runtime;
using static AmiReplicator.Ec2Simulator.Tests.Harness;

namespace AmiReplicator.Ec2Simulator.Tests;

/// <summary>KMS keys per region and account: what DescribeKey answers, and what EC2 does with a shared AMI's keys.</summary>
public sealed class KmsKeyTests
{
    private static AmazonKeyManagementServiceClient Kms(Harness h, string region) =>
        new(new BasicAWSCredentials("test", "test"), h.Config<AmazonKeyManagementServiceConfig>(region));

    [Fact]
    public async Task DescribeKey_answers_the_accounts_own_keys_by_any_name_and_shared_keys_and_refuses_the_others()
    {
        await using var h = await Harness.StartAsync();
        var own = h.Simulator.CreateKmsKey(Destination, "alias/golden");
        var shared = h.Simulator.CreateForeignKmsKey(Source, OtherAccount, sharedWithUs: true);
        var notShared = h.Simulator.CreateForeignKmsKey(Source, OtherAccount, sharedWithUs: false);
        using var destination = Kms(h, Destination);
        using var source = Kms(h, Source);

        var byAlias = (await destination.DescribeKeyAsync(new DescribeKeyRequest { KeyId = "alias/golden" })).KeyMetadata;
        var defaultKey = (await destination.DescribeKeyAsync(new DescribeKeyRequest { KeyId = "alias/aws/ebs" })).KeyMetadata;
        var sharedKey = (await source.DescribeKeyAsync(new DescribeKeyRequest { KeyId = shared })).KeyMetadata;

        Assert.Equal((own, h.Simulator.AccountId, "CUSTOMER"), (byAlias.Arn, byAlias.AWSAccountId, byAlias.KeyManager.Value));
        Assert.Equal(KeyManagerType.AWS, defaultKey.KeyManager);
        Assert.Equal((OtherAccount, KeyState.Enabled), (sharedKey.AWSAccountId, sharedKey.KeyState));
        var denied = await Assert.ThrowsAsync<AmazonKeyManagementServiceException>(() => source.DescribeKeyAsync(new DescribeKeyRequest { KeyId = notShared }));
        Assert.Equal("AccessDeniedException", denied.ErrorCode);
        Assert.Contains(notShared, denied.Message, StringComparison.Ordinal);
        // A key exists in its own region only.
        await Assert.ThrowsAsync<NotFoundException>(() => source.DescribeKeyAsync(new DescribeKeyRequest { KeyId = own }));
    }

    [Fact]
    public async Task An_encrypted_AMI_shared_by_another_account_is_copied_when_its_key_is_shared_and_fails_later_when_not()
    {
        await using var h = await Harness.StartAsync();
        SeedImage Shared(string name, string key) => new()
        {
            Name = UniqueName(name),
            OwnerId = OtherAccount,
            Volumes = [new SeedVolume(Encrypted: true, KmsKeyId: key)],
            LaunchPermissions = [LaunchPermissionEntry.ForAccount(h.Simulator.AccountId)],
        };
        var usable = h.Simulator.SeedImage(Source, Shared("shared-key", h.Simulator.CreateForeignKmsKey(Source, OtherAccount, sharedWithUs: true)));
        var unusable = h.Simulator.SeedImage(Source, Shared("private-key", h.Simulator.CreateForeignKmsKey(Source, OtherAccount, sharedWithUs: false)));

        var copied = await h.CopyAsync(usable);
        var accepted = await h.CopyAsync(unusable);
        h.Clock.Advance(TimeSpan.FromMinutes(5));

        var copy = await h.DescribeAsync(Destination, copied);
        Assert.Equal(("available", h.Simulator.AccountId), (copy.State.Value, copy.OwnerId));
        Assert.True(copy.BlockDeviceMappings[0].Ebs.Encrypted);
        Assert.StartsWith($"arn:aws:kms:{Destination}:{h.Simulator.AccountId}:key/", copy.BlockDeviceMappings[0].Ebs.KmsKeyId, StringComparison.Ordinal);
        Assert.Equal("failed", (await h.DescribeAsync(Destination, accepted)).State.Value);
    }
}
