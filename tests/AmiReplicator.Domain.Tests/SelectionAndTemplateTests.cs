using AmiReplicator.Domain.Images;
using AmiReplicator.Domain.Jobs;
using AmiReplicator.Domain.Policy;

namespace AmiReplicator.Domain.Tests;

public class SelectionAndTemplateTests
{
    private const string Own = "123456789012";

    internal static ImageInfo Image(
        string name = "golden-al2023-2026.11",
        Dictionary<string, string>? tags = null,
        string owner = Own,
        bool encrypted = false,
        bool billing = false,
        bool ebs = true) =>
        new("ami-0123456789abcdef0", "us-east-1", name, "base image", ImageState.Available, null, owner,
            tags ?? new Dictionary<string, string> { ["team"] = "platform", ["aws:cloudformation:stack-name"] = "x" },
            ebs ? [new SnapshotInfo("snap-0123456789abcdef0", encrypted)] : [], ebs, billing, null, null);

    [Fact]
    public void An_empty_selection_takes_every_image()
    {
        var policy = ReplicationPolicy.Parse("""{"destinations":[{"region":"eu-west-1"}]}""");

        Assert.Null(policy.Selection.Excludes(Image(), Own));
    }

    [Fact]
    public void Tags_names_and_owners_must_all_match()
    {
        var policy = ReplicationPolicy.Parse("""
            {"destinations":[{"region":"eu-west-1"}],
             "selection":{"tags":{"team":"platform"},"namePatterns":["golden-*"],"ownerAccounts":["self"]}}
            """);

        Assert.Null(policy.Selection.Excludes(Image(), Own));
        Assert.Contains("team=platform", policy.Selection.Excludes(Image(tags: []), Own), StringComparison.Ordinal);
        Assert.Contains("name", policy.Selection.Excludes(Image(name: "scratch-1"), Own), StringComparison.Ordinal);
        Assert.Contains("owner", policy.Selection.Excludes(Image(owner: "999999999999"), Own), StringComparison.Ordinal);
    }

    [Fact]
    public void Templates_fill_in_the_source_and_default_to_saying_where_the_copy_came_from()
    {
        var policy = ReplicationPolicy.Parse("""{"destinations":[{"region":"eu-west-1"}]}""");

        Assert.Equal("golden-al2023-2026.11", policy.Templates.NameFor(Image(), "eu-west-1"));
        Assert.Equal("Copy of ami-0123456789abcdef0 from us-east-1", policy.Templates.DescriptionFor(Image(), "eu-west-1"));
    }

    [Fact]
    public void Copy_tags_are_the_source_user_tags_the_extra_tags_and_provenance()
    {
        var policy = ReplicationPolicy.Parse("""{"destinations":[{"region":"eu-west-1"}],"tags":{"copied-by":"ami-replicator"}}""");

        var (tags, leftOut) = CopyTags.For(Image(), policy);

        Assert.Equal("platform", tags["team"]);
        Assert.Equal("ami-replicator", tags["copied-by"]);
        Assert.Equal("ami-0123456789abcdef0", tags[ProvenanceTags.SourceImageId]);
        Assert.Equal("us-east-1", tags[ProvenanceTags.SourceRegion]);
        Assert.DoesNotContain(tags.Keys, k => k.StartsWith("aws:", StringComparison.Ordinal));
        Assert.Empty(leftOut);
    }

    [Fact]
    public void A_copy_never_carries_more_than_50_tags_provenance_and_policy_first_and_what_is_left_out_is_always_the_same()
    {
        var policy = ReplicationPolicy.Parse("""{"destinations":[{"region":"eu-west-1"}],"tags":{"copied-by":"ami-replicator","zz-team":"platform"}}""");
        var sourceTags = Enumerable.Range(0, 50).ToDictionary(i => $"tag-{i:00}", i => $"v{i}");
        sourceTags["zz-team"] = "from-the-source";

        var (tags, leftOut) = CopyTags.For(Image(tags: sourceTags), policy);

        Assert.Equal(CopyTags.MaxTagsPerResource, tags.Count);
        Assert.True(tags.ContainsKey(ProvenanceTags.SourceImageId) && tags.ContainsKey(ProvenanceTags.SourceRegion));
        Assert.Equal(("ami-replicator", "platform"), (tags["copied-by"], tags["zz-team"]));
        // 6 of the 50 places go to provenance (source, region, source account, deployment: this source has no creation date) and
        // the policy: the source's tags fill the rest in key order.
        Assert.Equal(ProvenanceTags.DefaultDeployment, tags[ProvenanceTags.Deployment]);
        Assert.True(tags.ContainsKey(ProvenanceTags.SourceAccount));
        Assert.Equal(Enumerable.Range(44, 6).Select(i => $"tag-{i:00}"), leftOut);
        Assert.Equal(leftOut, CopyTags.For(Image(tags: sourceTags.Reverse().ToDictionary()), policy).LeftOut);
    }

    [Fact]
    public void A_job_notes_the_source_tags_that_did_not_fit()
    {
        var policy = ReplicationPolicy.Parse("""{"destinations":[{"region":"eu-west-1"}]}""");
        var image = Image(tags: Enumerable.Range(0, 52).ToDictionary(i => $"tag-{i:00}", i => "v"));

        var job = CopyRules.NewJob(image, policy.Destinations[0], policy,
            new ReplicationRequest("us-east-1", image.ImageId, null, "test", null, RequestOrigin.Manual), Own, SourceSharing.Read([]), [], DateTimeOffset.UnixEpoch);

        Assert.Equal(50, job.Tags.Count);
        var note = Assert.Single(job.Notes);
        Assert.Contains("tag-48, tag-49, tag-50, tag-51", note, StringComparison.Ordinal);
    }

    [Fact]
    public void A_disambiguated_name_keeps_the_source_that_makes_it_unique_within_128_characters()
    {
        var key = new CopyJobKey("us-west-2", "ami-0123456789abcdef0", "eu-west-1");

        Assert.Equal("golden-al2023-2026.11 (us-west-2 ami-0123456789abcdef0)", CopyTemplates.DisambiguatedName("golden-al2023-2026.11", key));

        var longName = CopyTemplates.DisambiguatedName(new string('x', 128), key);
        Assert.Equal(CopyTemplates.MaxNameLength, longName.Length);
        Assert.EndsWith(" (us-west-2 ami-0123456789abcdef0)", longName, StringComparison.Ordinal);
        Assert.Equal(longName, CopyTemplates.DisambiguatedName(longName, key));
    }

    [Theory]
    [InlineData(true, false, "key-1 (AccessDeniedException: not allowed)", "encrypted AMI shared from account 999999999999, and this account cannot use its KMS key (key-1")]
    [InlineData(false, true, null, "billing product")]
    public void Copies_EC2_refuses_are_refused_before_any_slot_is_taken(bool encrypted, bool billing, string? unusableKey, string reason)
    {
        var image = Image(owner: "999999999999", encrypted: encrypted, billing: billing);

        Assert.Contains(reason, CopyRules.Refusal(image, Own, unusableKey is null ? [] : [unusableKey]), StringComparison.Ordinal);
    }

    [Fact]
    public void Own_encrypted_and_billing_images_and_shared_ones_whose_keys_are_usable_may_be_copied()
    {
        Assert.Null(CopyRules.Refusal(Image(encrypted: true, billing: true), Own, []));
        Assert.Null(CopyRules.Refusal(Image(owner: "999999999999", encrypted: true), Own, []));
        var key = "arn:aws:kms:us-east-1:999999999999:key/1";
        SnapshotInfo[] snapshots = [new("snap-1", true, 8, key), new("snap-2", true, 8, key), new("snap-3", false, 8)];
        Assert.Equal([key], CopyRules.KeysToCheck(Image(owner: "999999999999") with { Snapshots = snapshots }, Own));
        Assert.Empty(CopyRules.KeysToCheck(Image() with { Snapshots = snapshots }, Own));
    }

    [Fact]
    public void An_instance_store_AMI_is_copied_unencrypted_whatever_its_destination_asks_and_its_job_says_so()
    {
        var policy = ReplicationPolicy.Parse("""{"destinations":[{"region":"eu-west-1","encrypted":true}]}""");
        var image = Image(ebs: false);

        var job = CopyRules.NewJob(image, policy.Destinations[0], policy,
            new ReplicationRequest("us-east-1", image.ImageId, null, "test", null, RequestOrigin.Manual), Own, SourceSharing.Read([]), [], DateTimeOffset.UnixEpoch);

        Assert.Equal((CopyJobState.Waiting, false, null), (job.State, job.Encrypt, job.KmsKeyId));
        Assert.Contains(job.Notes, n => n.Contains("instance-store-backed AMI has no snapshots", StringComparison.Ordinal));
    }
}
