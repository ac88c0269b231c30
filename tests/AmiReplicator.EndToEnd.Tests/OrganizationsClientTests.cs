using System.Text;
using System.Text.RegularExpressions;
using Amazon.Runtime;
using AmiReplicator.Aws.Organizations;
using AmiReplicator.Domain.Targets;
using AmiReplicator.LocalCloud;
using AmiReplicator.TestSupport;

namespace AmiReplicator.EndToEnd.Tests;

/// <summary>
/// The signed Organizations client against moto's Organizations: each test is its own management account (moto tells accounts by
/// access key, so the client signs with a key of that account's IAM user), whose tree it builds as an administrator would.
/// </summary>
[Collection(LocalCloudFixture.Collection)]
public partial class OrganizationsClientTests(LocalCloudFixture cloud)
{
    private static readonly HttpClient Http = new();

    /// <summary>An unsigned IAM call to moto as the account (moto reads the service from the credential scope, the account from a header).</summary>
    private async Task<string> IamAsync(string account, string query)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, cloud.Servers.MotoUrl)
        {
            Content = new StringContent($"{query}&Version=2010-05-08", Encoding.UTF8, "application/x-www-form-urlencoded"),
        };
        request.Headers.TryAddWithoutValidation("Authorization", "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20260101/us-east-1/iam/aws4_request, SignedHeaders=host, Signature=0");
        request.Headers.TryAddWithoutValidation("x-moto-account-id", account);
        using var response = await Http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, text);
        return text;
    }

    /// <summary>A fresh account with an IAM user's access key: the client's credentials as that account.</summary>
    private async Task<(string Account, AWSCredentials Credentials)> NewAccountAsync()
    {
        var account = $"5{Random.Shared.NextInt64(10_000_000_000, 99_999_999_999)}";
        await IamAsync(account, "Action=CreateUser&UserName=amirepl");
        var key = await IamAsync(account, "Action=CreateAccessKey&UserName=amirepl");
        return (account, new BasicAWSCredentials(AccessKey().Match(key).Groups[1].Value, SecretKey().Match(key).Groups[1].Value));
    }

    private OrganizationsClient Client(AWSCredentials credentials) => new("aws", cloud.Servers.MotoUrl, credentials, TimeProvider.System);

    [Fact]
    public async Task A_tree_of_3_levels_is_listed_every_page_with_each_accounts_state_and_the_management_account()
    {
        var (management, credentials) = await NewAccountAsync();
        var organization = await MotoOrganization.OpenAsync(cloud.Servers.MotoUrl, management);
        var root = organization.RootId;
        Task<string> UnitAsync(string parent, string name) => organization.CreateUnitAsync(parent, name);
        Task<string> AccountAsync(string parent, int i) => organization.CreateAccountAsync(parent, $"a{i}");

        var workloads = await UnitAsync(root, "workloads");
        var prod = await UnitAsync(workloads, "prod");
        var units = new List<string>();
        for (var i = 0; i < 23; i++)
        {
            units.Add(await UnitAsync(prod, $"team-{i}"));
        }

        var many = new List<string>();
        for (var i = 0; i < 25; i++)
        {
            many.Add(await AccountAsync(units[0], i));
        }

        var closed = await AccountAsync(units[0], 99);
        await organization.CloseAccountAsync(closed);

        using var client = Client(credentials);
        var described = await client.DescribeAsync(CancellationToken.None);
        var children = await client.ListUnitsAsync(prod, CancellationToken.None);
        var accounts = await client.ListAccountsAsync(units[0], CancellationToken.None);

        Assert.Equal(management, described.ManagementAccountId);
        Assert.Equal(units.Order(StringComparer.Ordinal), children.Select(u => u.Id).Order(StringComparer.Ordinal));
        Assert.Equal(many.Append(closed).Order(StringComparer.Ordinal), accounts.Select(a => a.Id).Order(StringComparer.Ordinal));
        Assert.Equal("SUSPENDED", accounts.Single(a => a.Id == closed).State);
        Assert.All(accounts.Where(a => a.Id != closed), a => Assert.True(a.IsActive));
        Assert.Equal("workloads", Assert.Single(await client.ListUnitsAsync(root, CancellationToken.None)).Name);
    }

    [Fact]
    public async Task An_account_in_no_organization_is_refused_with_what_to_set_up()
    {
        var (_, credentials) = await NewAccountAsync();
        using var client = Client(credentials);

        var refused = await Assert.ThrowsAsync<OrganizationAccessException>(() => client.DescribeAsync(CancellationToken.None));

        Assert.Equal("AWSOrganizationsNotInUseException", refused.Code);
        Assert.Contains("management account or a delegated administrator", refused.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', refused.Message);
    }

    [GeneratedRegex("<AccessKeyId>([^<]+)</AccessKeyId>")]
    private static partial Regex AccessKey();

    [GeneratedRegex("<SecretAccessKey>([^<]+)</SecretAccessKey>")]
    private static partial Regex SecretKey();
}
