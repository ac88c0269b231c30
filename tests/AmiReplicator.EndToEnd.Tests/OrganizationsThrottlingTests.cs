using System.Net;
using System.Net.Sockets;
using System.Text;
using Amazon.Runtime;
using AmiReplicator.Aws.Organizations;
using AmiReplicator.Domain.Targets;

namespace AmiReplicator.EndToEnd.Tests;

/// <summary>
/// The Organizations client meeting Organizations' throttling (TooManyRequestsException, which moto never answers): a stub on loopback
/// answers as Organizations does when its per-account rate is exceeded, then answers the call.
/// </summary>
public sealed class OrganizationsThrottlingTests
{
    private const string Throttled = """{"__type":"TooManyRequestsException","Message":"You have sent too many requests in too short a period of time."}""";

    private const string Organization = """{"Organization":{"Id":"o-abcd123456","MasterAccountId":"999999999999","FeatureSet":"ALL"}}""";

    [Fact]
    public async Task A_throttled_call_is_retried_until_it_is_answered()
    {
        await using var stub = OrganizationsStub.Start(Enumerable.Repeat((HttpStatusCode.BadRequest, Throttled), 3).Append((HttpStatusCode.OK, Organization)));
        using var client = new OrganizationsClient("aws", stub.Url, new BasicAWSCredentials("test", "test"), TimeProvider.System);

        var described = await client.DescribeAsync(CancellationToken.None);

        Assert.Equal(new OrganizationInfo("o-abcd123456", "999999999999"), described);
        Assert.Equal(Enumerable.Repeat("AWSOrganizationsV20161128.DescribeOrganization", 4), stub.Targets);
    }

    [Fact]
    public async Task Throttling_that_does_not_end_fails_the_sync_not_the_pass_naming_organizations_answer_after_six_attempts()
    {
        await using var stub = OrganizationsStub.Start(Enumerable.Repeat((HttpStatusCode.BadRequest, Throttled), 6).Append((HttpStatusCode.OK, Organization)));
        using var client = new OrganizationsClient("aws", stub.Url, new BasicAWSCredentials("test", "test"), TimeProvider.System);

        var failed = await Assert.ThrowsAsync<OrganizationAccessException>(() => client.DescribeAsync(CancellationToken.None));

        Assert.Equal("TooManyRequestsException", failed.Code);
        Assert.Equal("AWS Organizations answered DescribeOrganization with TooManyRequestsException 6 times in a row (You have sent too many requests in too short "
            + "a period of time.): the next sync tries again", failed.Message);
        Assert.Equal(6, stub.Targets.Count);
    }

    /// <summary>An HTTP server on loopback giving the answers in order, one per request, and recording each request's X-Amz-Target.</summary>
    private sealed class OrganizationsStub : IAsyncDisposable
    {
        private readonly HttpListener _listener = new();
        private readonly Task _serving;
        private readonly List<string> _targets = [];

        private OrganizationsStub(IEnumerable<(HttpStatusCode Status, string Body)> answers)
        {
            var port = FreePort();
            Url = new Uri($"http://127.0.0.1:{port}/");
            _listener.Prefixes.Add(Url.ToString());
            _listener.Start();
            _serving = ServeAsync(new Queue<(HttpStatusCode, string)>(answers));
        }

        public Uri Url { get; }

        public IReadOnlyList<string> Targets
        {
            get
            {
                lock (_targets)
                {
                    return [.. _targets];
                }
            }
        }

        public static OrganizationsStub Start(IEnumerable<(HttpStatusCode Status, string Body)> answers) => new(answers);

        private async Task ServeAsync(Queue<(HttpStatusCode Status, string Body)> answers)
        {
            while (answers.TryDequeue(out var answer))
            {
                var context = await _listener.GetContextAsync();
                lock (_targets)
                {
                    _targets.Add(context.Request.Headers["X-Amz-Target"] ?? "");
                }

                context.Response.StatusCode = (int)answer.Status;
                context.Response.ContentType = "application/x-amz-json-1.1";
                var body = Encoding.UTF8.GetBytes(answer.Body);
                await context.Response.OutputStream.WriteAsync(body);
                context.Response.Close();
            }
        }

        private static int FreePort()
        {
            using var probe = new TcpListener(IPAddress.Loopback, 0);
            probe.Start();
            return ((IPEndPoint)probe.LocalEndpoint).Port;
        }

        public async ValueTask DisposeAsync()
        {
            _listener.Stop();
            try
            {
                await _serving;
            }
            catch (HttpListenerException)
            {
                // Stopped while waiting for a request the test did not make.
            }
            catch (ObjectDisposedException)
            {
                // Likewise, on runtimes that report the stop so.
            }

            _listener.Close();
        }
    }
}
