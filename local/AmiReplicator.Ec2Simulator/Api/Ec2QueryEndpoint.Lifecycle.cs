namespace AmiReplicator.Ec2Simulator.Api;

/// <summary>The actions of an image's lifecycle after it exists.</summary>
internal sealed partial class Ec2QueryEndpoint
{
    /// <summary>The answer to a lifecycle action; null when the action is none of them.</summary>
    private Action<System.Xml.XmlWriter>? HandleLifecycle(string action, string account, string region, QueryParameters p)
    {
        switch (action)
        {
            case "DisableImageDeprecation":
                cloud.DisableImageDeprecation(account, region, p.Required("ImageId"));
                return Return;
            case "EnableImageDeregistrationProtection":
                cloud.EnableImageDeregistrationProtection(account, region, p.Required("ImageId"), p.Bool("WithCooldown") ?? false);
                return Return;
            case "DisableImageDeregistrationProtection":
                cloud.DisableImageDeregistrationProtection(account, region, p.Required("ImageId"));
                return Return;
            case "DisableImage":
                cloud.DisableImage(account, region, p.Required("ImageId"));
                return Return;
            case "EnableImage":
                cloud.EnableImage(account, region, p.Required("ImageId"));
                return Return;
            default:
                return null;
        }
    }
}
