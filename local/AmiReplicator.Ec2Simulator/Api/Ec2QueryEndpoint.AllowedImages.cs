namespace AmiReplicator.Ec2Simulator.Api;

/// <summary>The account's Allowed AMIs setting in the region.</summary>
internal sealed partial class Ec2QueryEndpoint
{
    /// <summary>The answer to an Allowed AMIs action; null when the action is none of them.</summary>
    private Action<System.Xml.XmlWriter>? HandleAllowedImages(string action, string account, string region, QueryParameters p)
    {
        switch (action)
        {
            case "GetAllowedImagesSettings":
                {
                    var setting = cloud.GetAllowedImagesSettings(account, region);
                    return w =>
                    {
                        Ec2Xml.Text(w, "state", setting.State);
                        Ec2Xml.Items(w, "imageCriterionSet", setting.Criteria, (item, criterion) =>
                        {
                            Ec2Xml.Items(item, "imageProviderSet", criterion.ImageProviders, (provider, value) => provider.WriteString(value));
                            Ec2Xml.Items(item, "imageNameSet", criterion.ImageNames ?? [], (name, value) => name.WriteString(value));
                        });
                        Ec2Xml.Text(w, "managedBy", setting.ManagedBy);
                    };
                }

            case "EnableAllowedImagesSettings" or "DisableAllowedImagesSettings":
                {
                    var state = cloud.SetAllowedImagesState(account, region,
                        action == "EnableAllowedImagesSettings" ? p.Required("AllowedImagesSettingsState") : Model.Ec2Cloud.AllowedImagesDisabled);
                    return w => Ec2Xml.Text(w, "allowedImagesSettingsState", state);
                }

            case "ReplaceImageCriteriaInAllowedImagesSettings":
                cloud.ReplaceImageCriteria(account, region,
                    [.. p.Members("ImageCriterion").Select(c => new AllowedImagesCriterion(c.List("ImageProvider"), c.List("ImageName")))]);
                return Return;

            default:
                return null;
        }
    }
}
