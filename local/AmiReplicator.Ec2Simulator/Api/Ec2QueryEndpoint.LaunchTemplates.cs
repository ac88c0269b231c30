using System.Xml;
using AmiReplicator.Ec2Simulator.Model;

namespace AmiReplicator.Ec2Simulator.Api;

/// <summary>Launch templates: CreateLaunchTemplate, CreateLaunchTemplateVersion, ModifyLaunchTemplate and their two Describe actions.</summary>
internal sealed partial class Ec2QueryEndpoint
{
    /// <summary>The answer to a launch template action; null when the action is none of them.</summary>
    private Action<XmlWriter>? HandleLaunchTemplates(string action, string account, string region, QueryParameters p)
    {
        switch (action)
        {
            case "CreateLaunchTemplate":
                {
                    var template = cloud.CreateLaunchTemplate(account, region,
                        new CreateLaunchTemplateInput(p["LaunchTemplateName"], p["LaunchTemplateData.ImageId"], TagSpecifications(p)));
                    return w => LaunchTemplate(w, "launchTemplate", template, account);
                }

            case "CreateLaunchTemplateVersion":
                {
                    var (template, version) = cloud.CreateLaunchTemplateVersion(account, region, new CreateLaunchTemplateVersionInput(
                        p["LaunchTemplateId"], p["LaunchTemplateName"], p["SourceVersion"], p["LaunchTemplateData.ImageId"], p["ClientToken"]));
                    var made = template.Version(version);
                    return w => Version(w, "launchTemplateVersion", template, account, (version, made.ImageId, made.CreateTime));
                }

            case "ModifyLaunchTemplate":
                {
                    var template = cloud.ModifyLaunchTemplate(account, region, p["LaunchTemplateId"], p["LaunchTemplateName"], p["SetDefaultVersion"]);
                    return w => LaunchTemplate(w, "launchTemplate", template, account);
                }

            case "DescribeLaunchTemplates":
                {
                    var (templates, nextToken) = cloud.DescribeLaunchTemplates(account, region, new DescribeLaunchTemplatesInput(
                        p.List("LaunchTemplateId"),
                        p.List("LaunchTemplateName"),
                        p.Members("Filter").Select(f => new FilterInput(f.Required("Name"), f.List("Value"))).ToList(),
                        p.Int("MaxResults"),
                        p["NextToken"]));
                    return w =>
                    {
                        Ec2Xml.Items(w, "launchTemplates", templates, (item, t) => LaunchTemplateFields(item, t, account), writeWhenEmpty: true);
                        Ec2Xml.Text(w, "nextToken", nextToken);
                    };
                }

            case "DescribeLaunchTemplateVersions":
                {
                    var (template, versions) = cloud.DescribeLaunchTemplateVersions(account, region, new DescribeLaunchTemplateVersionsInput(
                        p["LaunchTemplateId"], p["LaunchTemplateName"], p.List("LaunchTemplateVersion"), p["MinVersion"], p["MaxVersion"],
                        p.Bool("ResolveAlias") ?? false));
                    return w => Ec2Xml.Items(w, "launchTemplateVersionSet", versions, (item, v) => VersionFields(item, template, account, v), writeWhenEmpty: true);
                }

            default:
                return null;
        }
    }

    private static void LaunchTemplate(XmlWriter writer, string element, SimLaunchTemplate template, string account)
    {
        writer.WriteStartElement(element, Ec2Xml.Namespace);
        LaunchTemplateFields(writer, template, account);
        writer.WriteEndElement();
    }

    private static void LaunchTemplateFields(XmlWriter writer, SimLaunchTemplate template, string account)
    {
        Ec2Xml.Text(writer, "launchTemplateId", template.Id);
        Ec2Xml.Text(writer, "launchTemplateName", template.Name);
        Ec2Xml.Time(writer, "createTime", template.CreateTime);
        Ec2Xml.Text(writer, "createdBy", $"arn:aws:iam::{account}:root");
        Ec2Xml.Text(writer, "defaultVersionNumber", template.DefaultVersion.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Ec2Xml.Text(writer, "latestVersionNumber", template.LatestVersion.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Ec2Xml.Items(writer, "tagSet", template.Tags.OrderBy(tag => tag.Key, StringComparer.Ordinal), Ec2Xml.Tag);
    }

    private static void Version(XmlWriter writer, string element, SimLaunchTemplate template, string account, (long Number, string? ImageId, DateTimeOffset CreateTime) version)
    {
        writer.WriteStartElement(element, Ec2Xml.Namespace);
        VersionFields(writer, template, account, version);
        writer.WriteEndElement();
    }

    private static void VersionFields(XmlWriter writer, SimLaunchTemplate template, string account, (long Number, string? ImageId, DateTimeOffset CreateTime) version)
    {
        Ec2Xml.Text(writer, "launchTemplateId", template.Id);
        Ec2Xml.Text(writer, "launchTemplateName", template.Name);
        Ec2Xml.Text(writer, "versionNumber", version.Number.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Ec2Xml.Time(writer, "createTime", version.CreateTime);
        Ec2Xml.Text(writer, "createdBy", $"arn:aws:iam::{account}:root");
        Ec2Xml.Bool(writer, "defaultVersion", version.Number == template.DefaultVersion);
        writer.WriteStartElement("launchTemplateData", Ec2Xml.Namespace);
        Ec2Xml.Text(writer, "imageId", version.ImageId);
        writer.WriteEndElement();
    }
}
