using System.Net;
using Platform.TemporalServer.Hosting;
using Temporalio.Api.WorkflowService.V1;
using Temporalio.Client;

namespace Platform.TemporalServer.Tests;

/// <summary>Who may connect: TLS, mTLS, API keys in the authorization metadata, the bind policy and the Host check.</summary>
public sealed class AccessTests : IDisposable
{
    private const string ApiKey = "test-api-key-0123456789";
    private readonly string _directory = Directory.CreateTempSubdirectory("temporal-access-").FullName;
    private readonly TestCertificates _certificates;

    public AccessTests() => _certificates = TestCertificates.Create(_directory);

    public void Dispose()
    {
        _certificates.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task TlsWithApiKey_ClientWithTheKey_IsServedAndOthersAreUnauthenticated()
    {
        var options = TlsOptions();
        options.ApiKeys.Add(ApiKey);
        await using var host = await TemporalServerHost.StartAsync(options);

        var client = await TemporalClient.ConnectAsync(Connect(host, ApiKey));
        var info = await client.WorkflowService.GetSystemInfoAsync(new GetSystemInfoRequest());
        var wrongKey = await Assert.ThrowsAnyAsync<Exception>(() => TemporalClient.ConnectAsync(Connect(host, "wrong-key-0123456789")));
        var noKey = await Assert.ThrowsAnyAsync<Exception>(() => TemporalClient.ConnectAsync(Connect(host, null)));

        Assert.NotNull(info.Capabilities);
        Assert.Contains("API key", wrongKey.Message, StringComparison.Ordinal);
        Assert.Contains("API key", noKey.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Tls_PlaintextClient_CannotConnect()
    {
        await using var host = await TemporalServerHost.StartAsync(TlsOptions());

        await Assert.ThrowsAnyAsync<Exception>(async () =>
        {
            var client = await TemporalClient.ConnectAsync(new(host.TargetHost) { RpcRetry = new() { MaxRetries = 1 } });
            await client.WorkflowService.GetSystemInfoAsync(new GetSystemInfoRequest());
        });
    }

    [Fact]
    public async Task MutualTls_ClientCertificateFromTheCa_IsServedAndNoCertificateIsRefused()
    {
        var options = TlsOptions();
        options.TlsClientCaPath = _certificates.CaPath;
        await using var host = await TemporalServerHost.StartAsync(options);

        var withCertificate = Connect(host, null);
        withCertificate.Tls!.ClientCert = File.ReadAllBytes(_certificates.ClientCertificatePath);
        withCertificate.Tls.ClientPrivateKey = File.ReadAllBytes(_certificates.ClientKeyPath);
        var client = await TemporalClient.ConnectAsync(withCertificate);
        await client.WorkflowService.GetSystemInfoAsync(new GetSystemInfoRequest());

        await Assert.ThrowsAnyAsync<Exception>(() => TemporalClient.ConnectAsync(Connect(host, null)));
    }

    [Fact]
    public async Task LoopbackServer_ForeignAuthority_IsPermissionDenied()
    {
        await using var host = await TemporalServerHost.StartAsync(new TemporalServerOptions { Port = 0 });
        using var http = new HttpClient(new SocketsHttpHandler()) { DefaultRequestVersion = HttpVersion.Version20, DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact };

        async Task<string?> CallAsync(string authority)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, $"http://{host.TargetHost}/temporal.api.workflowservice.v1.WorkflowService/GetSystemInfo")
            {
                Version = HttpVersion.Version20,
                VersionPolicy = HttpVersionPolicy.RequestVersionExact,
                Content = new ByteArrayContent([0, 0, 0, 0, 0]),
            };
            request.Content.Headers.ContentType = new("application/grpc");
            request.Headers.Host = authority;
            request.Headers.TE.ParseAdd("trailers");
            using var response = await http.SendAsync(request);
            await response.Content.ReadAsByteArrayAsync();
            return response.Headers.TryGetValues("grpc-status", out var inHeaders) ? inHeaders.Single()
                : response.TrailingHeaders.TryGetValues("grpc-status", out var inTrailers) ? inTrailers.Single() : null;
        }

        Assert.Equal("7", await CallAsync("rebound.attacker.example:7233")); // PERMISSION_DENIED
        Assert.Equal("0", await CallAsync($"localhost:{host.Port}"));
    }

    [Fact]
    public void Validate_NonLoopbackWithoutAuthentication_IsRefusedUnlessInsecure()
    {
        var open = new TemporalServerOptions { Ip = "0.0.0.0" };
        var keyWithoutTls = new TemporalServerOptions { ApiKeys = { ApiKey } };
        var withKey = TlsOptions();
        withKey.Ip = "0.0.0.0";
        withKey.ApiKeys.Add(ApiKey);

        Assert.Contains(open.Validate(), p => p.Contains("--insecure", StringComparison.Ordinal));
        open.Insecure = true;
        Assert.Empty(open.Validate());
        Assert.Contains(keyWithoutTls.Validate(), p => p.Contains("need TLS", StringComparison.Ordinal));
        Assert.Empty(withKey.Validate());
    }

    [Fact]
    public void ServerArguments_TlsAndApiKeyFile_AreRead()
    {
        var keys = Path.Combine(_directory, "keys.txt");
        File.WriteAllText(keys, "# comment\n" + ApiKey + "\n\n");
        var options = new TemporalServerOptions();

        var error = ServerArguments.TryParse(["--ip", "0.0.0.0", "--tls-cert-path", _certificates.ServerCertificatePath, "--tls-key-path", _certificates.ServerKeyPath, "--api-key-file", keys], options);

        Assert.Null(error);
        Assert.Equal([ApiKey], options.ApiKeys);
    }

    private TemporalServerOptions TlsOptions() => new()
    {
        Port = 0,
        TlsCertificatePath = _certificates.ServerCertificatePath,
        TlsKeyPath = _certificates.ServerKeyPath,
    };

    private TemporalClientConnectOptions Connect(TemporalServerHost host, string? apiKey) => new(host.TargetHost)
    {
        ApiKey = apiKey,
        Tls = new TlsOptions { ServerRootCACert = File.ReadAllBytes(_certificates.CaPath), Domain = "localhost" },
        RpcRetry = new() { MaxRetries = 1 },
    };
}
