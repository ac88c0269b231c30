using System.Globalization;
using System.Text;
using System.Xml;
using AmiReplicator.Ec2Simulator.Model;

namespace AmiReplicator.Ec2Simulator.Api;

/// <summary>
/// STS on the simulator's endpoint (requests whose SigV4 scope names the service <c>sts</c>): the Query protocol's
/// <c>Action=AssumeRole</c> and <c>GetCallerIdentity</c>, answered in STS's XML (namespace 2011-06-15) as AWSSDK.SecurityToken reads
/// it, errors as <c>&lt;ErrorResponse&gt;&lt;Error&gt;&lt;Type/&gt;&lt;Code/&gt;&lt;Message/&gt;</c>. Behaviour lives in the model.
/// </summary>
internal sealed class StsQueryEndpoint(Ec2Cloud cloud)
{
    private const string Namespace = "https://sts.amazonaws.com/doc/2011-06-15/";
    private static readonly XmlWriterSettings Settings = new() { Encoding = new UTF8Encoding(false), Indent = false };

    public static bool Accepts(HttpContext context) =>
        SigV4Scope.Of(context.Request.Headers.Authorization)?.Service == CallScope.Sts;

    public async Task HandleAsync(HttpContext context)
    {
        var requestId = Guid.NewGuid().ToString();
        using var reader = new StreamReader(context.Request.Body);
        var body = await reader.ReadToEndAsync(context.RequestAborted);
        var parameters = QueryParameters.Parse(body.Length > 0 ? body : context.Request.QueryString.Value ?? string.Empty);
        var scope = SigV4Scope.Of(context.Request.Headers.Authorization)!;
        byte[] answer;
        try
        {
            var action = parameters["Action"] ?? throw StsErrors.Validation("The request must name an Action.");
            var caller = cloud.BeginCall(scope, $"sts:{action}");
            answer = Document(writer =>
            {
                writer.WriteStartElement(action + "Response", Namespace);
                writer.WriteStartElement(action + "Result", Namespace);
                Result(action, caller, parameters)(writer);
                writer.WriteEndElement();
                writer.WriteStartElement("ResponseMetadata", Namespace);
                writer.WriteElementString("RequestId", Namespace, requestId);
                writer.WriteEndElement();
                writer.WriteEndElement();
            });
            context.Response.StatusCode = StatusCodes.Status200OK;
        }
        catch (Ec2Exception error)
        {
            cloud.RecordError(scope.Region, error.Code);
            answer = Document(writer =>
            {
                writer.WriteStartElement("ErrorResponse", Namespace);
                writer.WriteStartElement("Error", Namespace);
                writer.WriteElementString("Type", Namespace, error.StatusCode >= 500 ? "Receiver" : "Sender");
                writer.WriteElementString("Code", Namespace, error.Code);
                writer.WriteElementString("Message", Namespace, error.Message);
                writer.WriteEndElement();
                writer.WriteElementString("RequestId", Namespace, requestId);
                writer.WriteEndElement();
            });
            context.Response.StatusCode = error.StatusCode;
        }

        context.Response.ContentType = "text/xml";
        context.Response.Headers["x-amzn-RequestId"] = requestId;
        await context.Response.Body.WriteAsync(answer, context.RequestAborted);
    }

    /// <summary>Performs the action and returns what writes its result element's content.</summary>
    private Action<XmlWriter> Result(string action, CallerIdentity caller, QueryParameters p)
    {
        switch (action)
        {
            case "GetCallerIdentity":
                return writer =>
                {
                    writer.WriteElementString("Arn", Namespace, caller.Arn);
                    writer.WriteElementString("UserId", Namespace, caller.UserId);
                    writer.WriteElementString("Account", Namespace, caller.AccountId);
                };
            case "AssumeRole":
                var issued = cloud.AssumeRole(caller, p["RoleArn"], p["RoleSessionName"], p.Int("DurationSeconds"));
                return writer =>
                {
                    writer.WriteStartElement("AssumedRoleUser", Namespace);
                    writer.WriteElementString("Arn", Namespace, issued.AssumedRoleArn);
                    writer.WriteElementString("AssumedRoleId", Namespace, issued.AssumedRoleId);
                    writer.WriteEndElement();
                    writer.WriteStartElement("Credentials", Namespace);
                    writer.WriteElementString("AccessKeyId", Namespace, issued.AccessKeyId);
                    writer.WriteElementString("SecretAccessKey", Namespace, issued.SecretAccessKey);
                    writer.WriteElementString("SessionToken", Namespace, issued.SessionToken);
                    writer.WriteElementString("Expiration", Namespace,
                        issued.Expiration.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture));
                    writer.WriteEndElement();
                };
            default:
                throw new Ec2Exception("InvalidAction", $"Could not find operation {action} for version 2011-06-15");
        }
    }

    private static byte[] Document(Action<XmlWriter> write)
    {
        using var stream = new MemoryStream();
        using (var writer = XmlWriter.Create(stream, Settings))
        {
            writer.WriteStartDocument();
            write(writer);
        }

        return stream.ToArray();
    }
}
