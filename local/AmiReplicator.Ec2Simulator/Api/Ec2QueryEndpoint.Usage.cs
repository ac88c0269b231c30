using AmiReplicator.Ec2Simulator.Model;

namespace AmiReplicator.Ec2Simulator.Api;

/// <summary>What uses an image: DescribeImageReferences (lastLaunchedTime is an attribute of DescribeImageAttribute).</summary>
internal sealed partial class Ec2QueryEndpoint
{
    /// <summary>The answer to a usage action; null when the action is none of them.</summary>
    private Action<System.Xml.XmlWriter>? HandleUsage(string action, string account, string region, QueryParameters p)
    {
        switch (action)
        {
            case "DescribeImageReferences":
                {
                    var (references, nextToken) = cloud.DescribeImageReferences(account, region, new DescribeImageReferencesInput(
                        p.List("ImageId"),
                        p.Bool("IncludeAllResourceTypes") ?? false,
                        p.Members("ResourceType").Select(type => new ResourceTypeInput(
                            type["ResourceType"],
                            type.Members("ResourceTypeOption").Select(option => new ResourceTypeOptionInput(option["OptionName"], option.List("OptionValue"))).ToList()))
                            .ToList(),
                        p.Int("MaxResults"),
                        p["NextToken"]));
                    return w =>
                    {
                        Ec2Xml.Items(w, "imageReferenceSet", references, Ec2Xml.ImageReference, writeWhenEmpty: true);
                        Ec2Xml.Text(w, "nextToken", nextToken);
                    };
                }

            default:
                return null;
        }
    }
}
