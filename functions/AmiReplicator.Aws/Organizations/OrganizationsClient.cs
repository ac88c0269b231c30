using System.Text.Json.Nodes;
using Amazon.Runtime;
using AmiReplicator.Aws.Signing;
using AmiReplicator.Domain.Targets;

namespace AmiReplicator.Aws.Organizations;

/// <summary>
/// AWS Organizations' read calls the target list needs (DescribeOrganization, ListOrganizationalUnitsForParent,
/// ListAccountsForParent, every page by NextToken), over <see cref="SignedJsonClient"/> because AWSSDK.Organizations is not available
/// here. Organizations has one endpoint per partition, signed for its region (<see cref="EndpointOf"/>). TooManyRequestsException
/// (Organizations' throttling) and 5xx answers are retried with jittered exponential backoff (<see cref="MaxAttempts"/> attempts, then
/// an <see cref="OrganizationAccessException"/> naming the answer); AccessDenied, AWSOrganizationsNotInUse and a unit not found become
/// <see cref="OrganizationAccessException"/>, with one line saying what to set up.
/// <para>
/// To swap it for the AWSSDK.Organizations package: implement <see cref="IOrganization"/> over <c>IAmazonOrganizationsClient</c>
/// (<c>DescribeOrganizationAsync</c>, <c>Paginators.ListOrganizationalUnitsForParent</c>, <c>Paginators.ListAccountsForParent</c>),
/// keep <see cref="RefusalOf"/>'s messages for its <c>AccessDeniedException</c>, <c>AWSOrganizationsNotInUseException</c> and
/// <c>ParentNotFoundException</c>, and drop the retry loop (the SDK's standard retry mode backs off on TooManyRequestsException).
/// </para>
/// </summary>
public sealed class OrganizationsClient : IOrganization, IDisposable
{
    /// <summary>The most either list call answers per page.</summary>
    private const int PageSize = 20;

    private const int MaxAttempts = 6;
    private static readonly TimeSpan FirstBackoff = TimeSpan.FromMilliseconds(250);

    private readonly SignedJsonClient _client;
    private readonly string _region;
    private readonly TimeProvider _clock;

    /// <param name="partition">The home region's partition ("aws", "aws-us-gov", "aws-cn"): Organizations' endpoint and signing region.</param>
    /// <param name="endpoint">A local endpoint (moto) instead of AWS's.</param>
    public OrganizationsClient(string partition, Uri? endpoint, AWSCredentials? credentials, TimeProvider clock)
    {
        var (region, awsEndpoint) = EndpointOf(partition);
        _region = region;
        _clock = clock;
        _client = new SignedJsonClient("organizations", "organizations", "AWSOrganizationsV20161128", endpoint ?? awsEndpoint, credentials, clock);
    }

    /// <summary>Organizations' endpoint in the partition, and the region its requests are signed for.</summary>
    public static (string Region, Uri Endpoint) EndpointOf(string partition) => partition switch
    {
        "aws" => ("us-east-1", new Uri("https://organizations.us-east-1.amazonaws.com/")),
        "aws-us-gov" => ("us-gov-west-1", new Uri("https://organizations.us-gov-west-1.amazonaws.com/")),
        "aws-cn" => ("cn-northwest-1", new Uri("https://organizations.cn-northwest-1.amazonaws.com.cn/")),
        _ => throw new ArgumentException($"AWS Organizations' endpoint in partition '{partition}' is not known to the replicator", nameof(partition)),
    };

    public async Task<OrganizationInfo> DescribeAsync(CancellationToken cancellationToken)
    {
        var organization = (await SendAsync("DescribeOrganization", [], cancellationToken))["Organization"];
        return new OrganizationInfo(Text(organization, "Id"), Text(organization, "MasterAccountId"));
    }

    public Task<IReadOnlyList<OrganizationUnit>> ListUnitsAsync(string parentId, CancellationToken cancellationToken) =>
        ListAsync("ListOrganizationalUnitsForParent", parentId, "OrganizationalUnits", u => new OrganizationUnit(Text(u, "Id"), Text(u, "Name")), cancellationToken);

    public Task<IReadOnlyList<OrganizationAccount>> ListAccountsAsync(string parentId, CancellationToken cancellationToken) =>
        ListAsync("ListAccountsForParent", parentId, "Accounts",
            // State replaces Status (deprecated); an answer without it still says ACTIVE or SUSPENDED in Status.
            a => new OrganizationAccount(Text(a, "Id"), a?["Name"]?.GetValue<string>() ?? "", a?["State"]?.GetValue<string>() ?? Text(a, "Status")),
            cancellationToken);

    private async Task<IReadOnlyList<T>> ListAsync<T>(string operation, string parentId, string itemsKey, Func<JsonNode?, T> read, CancellationToken cancellationToken)
    {
        var items = new List<T>();
        string? token = null;
        do
        {
            var request = new JsonObject { ["ParentId"] = parentId, ["MaxResults"] = PageSize };
            if (token is not null)
            {
                request["NextToken"] = token;
            }

            var page = await SendAsync(operation, request, cancellationToken);
            items.AddRange((page[itemsKey] as JsonArray ?? []).Select(read));
            token = page["NextToken"]?.GetValue<string>();
        }
        while (!string.IsNullOrEmpty(token));

        return items;
    }

    private async Task<JsonNode> SendAsync(string operation, JsonObject request, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                // A fresh copy each attempt: a JsonObject belongs to one parent once serialised into a request.
                return await _client.SendAsync(_region, operation, (JsonObject)request.DeepClone(), cancellationToken);
            }
            catch (AmazonServiceException e) when (IsRetryable(e) && attempt < MaxAttempts)
            {
                var backoff = FirstBackoff * Math.Pow(2, attempt - 1) * (0.5 + Random.Shared.NextDouble() / 2);
                await Task.Delay(backoff, _clock, cancellationToken);
            }
            catch (AmazonServiceException e) when (IsRetryable(e))
            {
                // Given up for this sync, not for good: the sync records it and keeps the list in force, and the poller's pass goes on.
                throw new OrganizationAccessException(e.ErrorCode,
                    $"AWS Organizations answered {operation} with {e.ErrorCode} {MaxAttempts} times in a row ({e.Message}): the next sync tries again");
            }
            catch (AmazonServiceException e) when (RefusalOf(operation, request, e) is { } refusal)
            {
                throw refusal;
            }
        }
    }

    private static bool IsRetryable(AmazonServiceException e) =>
        e.ErrorCode is "TooManyRequestsException" or "ServiceException" or "ConcurrentModificationException" || (int)e.StatusCode >= 500;

    /// <summary>What Organizations refuses for good, as the one line a person acts on; null for any other error.</summary>
    public static OrganizationAccessException? RefusalOf(string operation, JsonObject request, AmazonServiceException e) => e.ErrorCode switch
    {
        "AccessDeniedException" or "AccessDenied" => new(e.ErrorCode,
            $"AWS Organizations refused {operation} ({e.Message}): the replicator's account must be the organization's management account or a "
            + "delegated administrator: in the management account, allow it organizations:DescribeOrganization, organizations:ListOrganizationalUnitsForParent "
            + "and organizations:ListAccountsForParent in the resource-based delegation policy (Organizations > Settings > Delegated administrator for AWS "
            + "Organizations), or register it as the StackSets delegated administrator (aws organizations register-delegated-administrator --account-id ACCOUNT "
            + "--service-principal member.org.stacksets.cloudformation.amazonaws.com); its role needs the same actions (the stack grants them)"),
        "AWSOrganizationsNotInUseException" => new(e.ErrorCode,
            $"AWS Organizations answered {operation} with AWSOrganizationsNotInUseException: the replicator's account is not in an organization; "
            + "deploy it in the organization's management account or a delegated administrator of the organization the targets' units are in"),
        "ParentNotFoundException" or "TargetNotFoundException" or "InvalidInputException" => new(e.ErrorCode,
            $"AWS Organizations has no {request["ParentId"]} ({e.ErrorCode}: {e.Message}): correct the targets' organizationalUnits"),
        _ => null,
    };

    private static string Text(JsonNode? node, string key) =>
        node?[key]?.GetValue<string>() ?? throw new InvalidOperationException($"AWS Organizations' answer has no {key}");

    public void Dispose() => _client.Dispose();
}
