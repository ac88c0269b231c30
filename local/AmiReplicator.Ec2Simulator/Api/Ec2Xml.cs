using System.Globalization;
using System.Text;
using System.Xml;

namespace AmiReplicator.Ec2Simulator.Api;

/// <summary>Writes responses in the EC2 Query protocol's XML, as AWSSDK.EC2's unmarshallers read them.</summary>
internal static class Ec2Xml
{
    public const string Namespace = "http://ec2.amazonaws.com/doc/2016-11-15/";

    private static readonly XmlWriterSettings Settings = new() { Encoding = new UTF8Encoding(false), Indent = false };

    /// <summary><c>&lt;{Action}Response&gt;&lt;requestId/&gt;...body...&lt;/{Action}Response&gt;</c>.</summary>
    public static byte[] Response(string action, string requestId, Action<XmlWriter> body)
    {
        using var stream = new MemoryStream();
        using (var writer = XmlWriter.Create(stream, Settings))
        {
            writer.WriteStartDocument();
            writer.WriteStartElement(action + "Response", Namespace);
            Text(writer, "requestId", requestId);
            body(writer);
            writer.WriteEndElement();
        }

        return stream.ToArray();
    }

    /// <summary>EC2's error document, which (unlike responses) has no namespace.</summary>
    public static byte[] Error(string code, string message, string requestId)
    {
        using var stream = new MemoryStream();
        using (var writer = XmlWriter.Create(stream, Settings))
        {
            writer.WriteStartDocument();
            writer.WriteStartElement("Response");
            writer.WriteStartElement("Errors");
            writer.WriteStartElement("Error");
            writer.WriteElementString("Code", code);
            writer.WriteElementString("Message", message);
            writer.WriteEndElement();
            writer.WriteEndElement();
            writer.WriteElementString("RequestID", requestId);
            writer.WriteEndElement();
        }

        return stream.ToArray();
    }

    public static void Text(XmlWriter writer, string name, string? value)
    {
        if (value is not null)
        {
            writer.WriteElementString(name, Namespace, value);
        }
    }

    public static void Bool(XmlWriter writer, string name, bool value) => Text(writer, name, value ? "true" : "false");

    public static void Int(XmlWriter writer, string name, int? value) =>
        Text(writer, name, value?.ToString(CultureInfo.InvariantCulture));

    public static void Time(XmlWriter writer, string name, DateTimeOffset? value) =>
        Text(writer, name, value?.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));

    /// <summary>A list element of <c>&lt;item&gt;</c>s; EC2 omits empty lists here.</summary>
    public static void Items<T>(XmlWriter writer, string name, IEnumerable<T> items, Action<XmlWriter, T> item, bool writeWhenEmpty = false)
    {
        var list = items.ToList();
        if (list.Count == 0 && !writeWhenEmpty)
        {
            return;
        }

        writer.WriteStartElement(name, Namespace);
        foreach (var value in list)
        {
            writer.WriteStartElement("item", Namespace);
            item(writer, value);
            writer.WriteEndElement();
        }

        writer.WriteEndElement();
    }

    public static void Image(XmlWriter writer, ImageInfo image)
    {
        Text(writer, "imageId", image.ImageId);
        Text(writer, "imageLocation", image.ImageLocation);
        Text(writer, "imageState", image.State);
        Text(writer, "imageOwnerId", image.OwnerId);
        Time(writer, "creationDate", image.CreationDate);
        Bool(writer, "isPublic", image.IsPublic);
        Items(writer, "productCodes", image.ProductCodes, (w, code) =>
        {
            Text(w, "productCode", code.Id);
            Text(w, "type", code.Type);
        });
        Text(writer, "architecture", image.Architecture);
        Text(writer, "imageType", "machine");
        Text(writer, "platform", image.Platform);
        Text(writer, "platformDetails", image.PlatformDetails);
        Text(writer, "usageOperation", image.UsageOperation);
        if (image.StateReason is { } reason)
        {
            writer.WriteStartElement("stateReason", Namespace);
            Text(writer, "code", reason.Code);
            Text(writer, "message", reason.Message);
            writer.WriteEndElement();
        }

        Text(writer, "name", image.Name);
        Text(writer, "description", image.Description);
        Text(writer, "rootDeviceType", image.RootDeviceType);
        Text(writer, "rootDeviceName", image.RootDeviceName);
        Items(writer, "blockDeviceMapping", image.BlockDevices, BlockDevice, writeWhenEmpty: true);
        Text(writer, "virtualizationType", "hvm");
        Items(writer, "tagSet", image.Tags.OrderBy(tag => tag.Key, StringComparer.Ordinal), Tag);
        Text(writer, "hypervisor", "xen");
        Bool(writer, "enaSupport", true);
        Time(writer, "deprecationTime", image.DeprecationTime);
        Text(writer, "deregistrationProtection", image.DeregistrationProtection);
        Text(writer, "sourceImageId", image.SourceImageId);
        Text(writer, "sourceImageRegion", image.SourceRegion);
    }

    private static void BlockDevice(XmlWriter writer, BlockDeviceInfo device)
    {
        Text(writer, "deviceName", device.DeviceName);
        Text(writer, "virtualName", device.VirtualName);
        if (device.SnapshotId is null)
        {
            return;
        }

        writer.WriteStartElement("ebs", Namespace);
        Text(writer, "snapshotId", device.SnapshotId);
        Int(writer, "volumeSize", device.VolumeSize);
        Bool(writer, "deleteOnTermination", device.DeleteOnTermination);
        Text(writer, "volumeType", device.VolumeType);
        Bool(writer, "encrypted", device.Encrypted);
        Text(writer, "kmsKeyId", device.KmsKeyId);
        writer.WriteEndElement();
    }

    public static void Snapshot(XmlWriter writer, SnapshotInfo snapshot)
    {
        Text(writer, "snapshotId", snapshot.SnapshotId);
        Text(writer, "status", snapshot.State);
        Text(writer, "progress", snapshot.State == "completed" ? "100%" : "0%");
        Text(writer, "ownerId", snapshot.OwnerId);
        Text(writer, "volumeSize", snapshot.VolumeSize.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Text(writer, "description", snapshot.Description);
        Bool(writer, "encrypted", snapshot.Encrypted);
        Text(writer, "kmsKeyId", snapshot.KmsKeyId);
        Items(writer, "tagSet", snapshot.Tags.OrderBy(tag => tag.Key, StringComparer.Ordinal), Tag);
    }

    public static void Tag(XmlWriter writer, KeyValuePair<string, string> tag)
    {
        Text(writer, "key", tag.Key);
        Text(writer, "value", tag.Value);
    }

    public static void ImageReference(XmlWriter writer, Model.ImageReference reference)
    {
        Text(writer, "imageId", reference.ImageId);
        Text(writer, "resourceType", reference.ResourceType);
        Text(writer, "arn", reference.Arn);
    }

    public static void LaunchPermission(XmlWriter writer, LaunchPermissionEntry entry)
    {
        Text(writer, "group", entry.Group);
        Text(writer, "userId", entry.UserId);
        Text(writer, "organizationArn", entry.OrganizationArn);
        Text(writer, "organizationalUnitArn", entry.OrganizationalUnitArn);
    }
}
