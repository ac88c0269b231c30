using AmiReplicator.Domain.Images;
using AmiReplicator.Domain.Policy;

namespace AmiReplicator.Domain.Tests;

public class RetentionPolicyTests
{
    private static ReplicationPolicy Parse(string retention, string extra = "") =>
        ReplicationPolicy.Parse($$$"""{"destinations":[{"region":"eu-west-1"}]{{{extra}}},"retention":{{{retention}}}}""");

    private static ImageInfo Copy(string name, Dictionary<string, string>? tags = null) =>
        new("ami-0123456789abcdef0", "eu-west-1", name, null, ImageState.Available, null, "111122223333", tags ?? [], [], true, false, null);

    [Fact]
    public void Without_retention_every_copy_is_kept()
    {
        Assert.Null(ReplicationPolicy.Parse("""{"destinations":[{"region":"eu-west-1"}]}""").Retention);
    }

    [Fact]
    public void The_family_is_the_longest_matching_name_prefix_or_the_tag_value()
    {
        var byName = Parse("""{"keepLatest":2,"familyNamePrefixes":["golden-","golden-al2023-"]}""").Retention!;
        Assert.Equal("golden-al2023-", byName.FamilyOf(Copy("golden-al2023-7")));
        Assert.Equal("golden-", byName.FamilyOf(Copy("golden-ubuntu-1")));
        Assert.Null(byName.FamilyOf(Copy("base-1")));

        var byTag = Parse("""{"keepLatest":2,"familyTag":"image-family"}""").Retention!;
        Assert.Equal("al2023", byTag.FamilyOf(Copy("x-1", new() { ["image-family"] = "al2023" })));
        Assert.Null(byTag.FamilyOf(Copy("x-1")));
    }

    [Theory]
    [InlineData("""{"familyTag":"f"}""", "", "retention.keepLatest")]
    [InlineData("""{"keepLatest":0,"familyTag":"f"}""", "", "retention.keepLatest")]
    [InlineData("""{"keepLatest":2}""", "", "retention")]
    [InlineData("""{"keepLatest":2,"familyTag":"f","familyNamePrefixes":["a"]}""", "", "retention")]
    [InlineData("""{"keepLatest":2,"familyTag":"aws:f"}""", "", "retention.familyTag")]
    [InlineData("""{"keepLatest":2,"familyNamePrefixes":[""]}""", "", "retention.familyNamePrefixes[0]")]
    [InlineData("""{"keepLatest":2,"familyTag":"f","keep":["golden-1"]}""", "", "retention.keep[0]")]
    [InlineData("""{"keepLatest":2,"familyTag":"f"}""", ""","sweepIntervalMinutes":0""", "retention")]
    public void A_bad_retention_names_its_field(string retention, string extra, string field)
    {
        Assert.Equal(field, Assert.Throws<PolicyException>(() => Parse(retention, extra)).Field);
    }
}
