using AmiReplicator.Domain.Images;
using AmiReplicator.Domain.Policy;

namespace AmiReplicator.Domain.Tests;

public class LaunchTemplatePolicyTests
{
    private static ReplicationPolicy Parse(string launchTemplates, string extra = "") =>
        ReplicationPolicy.Parse($$$"""{"destinations":[{"region":"eu-west-1"}]{{{extra}}},"launchTemplates":{{{launchTemplates}}}}""");

    private static ImageInfo Copy(string name, Dictionary<string, string>? tags = null) =>
        new("ami-0123456789abcdef0", "eu-west-1", name, null, ImageState.Available, null, "111122223333", tags ?? [], [], true, false, null);

    [Fact]
    public void Without_the_section_no_template_follows()
    {
        Assert.Null(ReplicationPolicy.Parse("""{"destinations":[{"region":"eu-west-1"}],"retention":{"keepLatest":2,"familyTag":"f"}}""").LaunchTemplates);
    }

    [Fact]
    public void Families_are_the_sections_own_or_else_retentions()
    {
        var own = Parse("""{"familyNamePrefixes":["golden-"]}""", ""","retention":{"keepLatest":2,"familyTag":"image-family"}""").LaunchTemplates!;
        Assert.Equal("golden-", own.FamilyOf(Copy("golden-1", new() { ["image-family"] = "al2023" })));

        var retentions = Parse("{}", ""","retention":{"keepLatest":2,"familyTag":"image-family"}""").LaunchTemplates!;
        Assert.Equal("al2023", retentions.FamilyOf(Copy("golden-1", new() { ["image-family"] = "al2023" })));
        Assert.Null(retentions.FamilyOf(Copy("golden-1")));
    }

    [Theory]
    [InlineData("{}", "launchTemplates")]
    [InlineData("""{"familyTag":"f","familyNamePrefixes":["a"]}""", "launchTemplates")]
    [InlineData("""{"familyTag":"aws:f"}""", "launchTemplates.familyTag")]
    [InlineData("""{"familyNamePrefixes":["golden-",""]}""", "launchTemplates.familyNamePrefixes[1]")]
    public void A_bad_section_names_its_field(string launchTemplates, string field)
    {
        Assert.Equal(field, Assert.Throws<PolicyException>(() => Parse(launchTemplates)).Field);
    }
}
