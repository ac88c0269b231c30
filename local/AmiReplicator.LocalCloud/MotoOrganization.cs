using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;

namespace AmiReplicator.LocalCloud;

/// <summary>
/// An organization in moto's AWS Organizations, administered as its management account would (OUs made, accounts created, moved and
/// closed), for the tests and the local run that need a tree of units. moto tells the caller's account by a header here (the calls
/// are unsigned); the replicator reads the tree through its own signed client. moto keeps one organization per management account,
/// so tests sharing a moto share the local cloud's default account's organization, each in units of its own (<see cref="OpenAsync"/>).
/// </summary>
public sealed class MotoOrganization
{
    private static readonly HttpClient Http = new();

    /// <summary>The key of an id in Organizations' answers.</summary>
    private const string IdKey = "Id";

    private readonly Uri _moto;

    private MotoOrganization(Uri moto, string id, string managementAccount, string rootId)
    {
        _moto = moto;
        Id = id;
        ManagementAccount = managementAccount;
        RootId = rootId;
    }

    /// <summary>The organization's id (o-...), as a policy's <c>organizationId</c> names it.</summary>
    public string Id { get; }

    public string ManagementAccount { get; }

    /// <summary>The organization's root (r-...).</summary>
    public string RootId { get; }

    /// <summary>The organization <paramref name="managementAccount"/> manages, made if it has none yet.</summary>
    public static async Task<MotoOrganization> OpenAsync(Uri moto, string managementAccount)
    {
        await SendAsync(moto, managementAccount, "CreateOrganization", new JsonObject { ["FeatureSet"] = "ALL" }, "AlreadyInOrganizationException");
        var organization = await SendAsync(moto, managementAccount, "DescribeOrganization", []);
        var roots = await SendAsync(moto, managementAccount, "ListRoots", []);
        return new MotoOrganization(moto, organization["Organization"]![IdKey]!.GetValue<string>(), managementAccount, roots["Roots"]![0]![IdKey]!.GetValue<string>());
    }

    /// <summary>A new OU below <paramref name="parentId"/>; answers its id.</summary>
    public async Task<string> CreateUnitAsync(string parentId, string name) =>
        (await CallAsync("CreateOrganizationalUnit", new JsonObject { ["ParentId"] = parentId, ["Name"] = name }))["OrganizationalUnit"]![IdKey]!.GetValue<string>();

    /// <summary>A new member account (ACTIVE), moved into <paramref name="parentId"/>; answers its id.</summary>
    public async Task<string> CreateAccountAsync(string parentId, string name)
    {
        var created = await CallAsync("CreateAccount", new JsonObject { ["AccountName"] = name, ["Email"] = $"{name}-{Guid.NewGuid():N}@example.com" });
        var account = created["CreateAccountStatus"]!["AccountId"]!.GetValue<string>();
        await MoveAccountAsync(account, RootId, parentId);
        return account;
    }

    public Task MoveAccountAsync(string account, string fromParentId, string toParentId) =>
        CallAsync("MoveAccount", new JsonObject { ["AccountId"] = account, ["SourceParentId"] = fromParentId, ["DestinationParentId"] = toParentId });

    /// <summary>Closes the account: moto then reports it SUSPENDED, as Organizations does for the 90 days before it is gone.</summary>
    public Task CloseAccountAsync(string account) => CallAsync("CloseAccount", new JsonObject { ["AccountId"] = account });

    private Task<JsonNode> CallAsync(string operation, JsonObject request) => SendAsync(_moto, ManagementAccount, operation, request);

    /// <summary>One call as <paramref name="account"/>; an error answered with <paramref name="acceptedError"/> counts as done.</summary>
    private static async Task<JsonNode> SendAsync(Uri moto, string account, string operation, JsonObject request, string? acceptedError = null)
    {
        using var message = new HttpRequestMessage(HttpMethod.Post, moto) { Content = new StringContent(request.ToJsonString(), Encoding.UTF8) };
        message.Content.Headers.ContentType = new MediaTypeHeaderValue("application/x-amz-json-1.1");
        // moto reads the service from the credential scope and, before any key, the account from its header.
        message.Headers.TryAddWithoutValidation("Authorization",
            "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20260101/us-east-1/organizations/aws4_request, SignedHeaders=host, Signature=0");
        message.Headers.TryAddWithoutValidation("x-moto-account-id", account);
        message.Headers.TryAddWithoutValidation("X-Amz-Target", $"AWSOrganizationsV20161128.{operation}");
        using var response = await Http.SendAsync(message);
        var text = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode && (acceptedError is null || !text.Contains(acceptedError, StringComparison.Ordinal)))
        {
            throw new InvalidOperationException($"moto's Organizations answered {operation} with {(int)response.StatusCode}: {text}");
        }

        return JsonNode.Parse(text) ?? new JsonObject();
    }
}
