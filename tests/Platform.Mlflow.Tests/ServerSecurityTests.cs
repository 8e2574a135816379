using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Platform.Mlflow.Server;
using Platform.Mlflow.Server.Security;

namespace Platform.Mlflow.Tests;

/// <summary>Who may connect to the local server: basic auth (MLflow's basic-auth app), bind policy, Host check, upload limit.</summary>
public sealed class ServerSecurityTests : IAsyncLifetime
{
    private const string AdminPassword = "admin-secret-1";
    private readonly string _store = TempDirectory.Create("mlflow-auth");
    private MlflowLocalServer _server = null!;

    public async Task InitializeAsync() =>
        _server = await MlflowLocalServer.StartAsync(new MlflowServerOptions
        {
            Port = 0,
            StoreDirectory = _store,
            BasicAuth = new BasicAuthOptions { AdminUsername = "admin", AdminPassword = AdminPassword, DefaultPermission = MlflowAccess.Read },
            MaxArtifactBytes = 1024,
        });

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        TempDirectory.Delete(_store);
    }

    [Fact]
    public async Task Request_NoCredentials_Answers401WithBasicChallengeAndMlflowError()
    {
        using var http = new HttpClient { BaseAddress = _server.BaseAddress };

        using var response = await http.GetAsync(new Uri("api/2.0/mlflow/experiments/search?max_results=10", UriKind.Relative));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("Basic", Assert.Single(response.Headers.WwwAuthenticate).Scheme);
        Assert.Equal("UNAUTHENTICATED", JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error_code").GetString());
    }

    [Fact]
    public async Task Client_WrongPasswordOrBearerToken_IsUnauthenticated()
    {
        using var wrong = Client("admin", "not-the-password");
        using var bearer = MlflowClient.Create(new MlflowClientOptions { TrackingUri = _server.BaseAddress, Token = "t", MaxRetries = 0 });

        var first = await Assert.ThrowsAsync<MlflowAuthorizationException>(() => wrong.SearchExperimentsAsync());
        var second = await Assert.ThrowsAsync<MlflowAuthorizationException>(() => bearer.SearchExperimentsAsync());

        Assert.Equal(MlflowErrorCodes.Unauthenticated, first.ErrorCode);
        Assert.Equal(HttpStatusCode.Unauthorized, second.StatusCode);
    }

    [Fact]
    public async Task Admin_CreatesUser_UserWithDefaultReadPermissionReadsButCannotWrite()
    {
        using var admin = Client("admin", AdminPassword);
        await admin.CreateExperimentAsync("by-admin");
        using var http = new HttpClient { BaseAddress = _server.BaseAddress };
        using var create = new HttpRequestMessage(HttpMethod.Post, "api/2.0/mlflow/users/create")
        {
            Content = new StringContent("""{"username":"reader","password":"reader-pw"}""", Encoding.UTF8, "application/json"),
        };
        create.Headers.Authorization = Basic("admin", AdminPassword);
        using var created = await http.SendAsync(create);
        Assert.Equal(HttpStatusCode.OK, created.StatusCode);
        Assert.False(JsonDocument.Parse(await created.Content.ReadAsStringAsync()).RootElement.GetProperty("user").GetProperty("is_admin").GetBoolean());

        using var reader = Client("reader", "reader-pw");
        var experiments = await reader.SearchExperimentsAsync();
        var denied = await Assert.ThrowsAsync<MlflowAuthorizationException>(() => reader.CreateExperimentAsync("by-reader"));

        Assert.Contains(experiments.Experiments, e => e.Name == "by-admin");
        Assert.Equal(MlflowErrorCodes.PermissionDenied, denied.ErrorCode);
        Assert.Equal(HttpStatusCode.Forbidden, denied.StatusCode);
    }

    [Fact]
    public async Task UsersApi_NonAdmin_CannotCreateUsers()
    {
        using var admin = Client("admin", AdminPassword);
        using var http = new HttpClient { BaseAddress = _server.BaseAddress };
        await SendAsync(http, HttpMethod.Post, "api/2.0/mlflow/users/create", """{"username":"bob","password":"bob-pw"}""", Basic("admin", AdminPassword));

        using var response = await SendAsync(http, HttpMethod.Post, "api/2.0/mlflow/users/create", """{"username":"eve","password":"eve-pw"}""", Basic("bob", "bob-pw"));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    [Theory]
    [InlineData(MlflowAccess.Read, "POST", "/api/2.0/mlflow/runs/search", true)]
    [InlineData(MlflowAccess.Read, "POST", "/api/2.0/mlflow/runs/create", false)]
    [InlineData(MlflowAccess.Edit, "POST", "/api/2.0/mlflow/runs/create", true)]
    [InlineData(MlflowAccess.Edit, "POST", "/api/2.0/mlflow/runs/delete", false)]
    [InlineData(MlflowAccess.Edit, "DELETE", "/api/2.0/mlflow/registered-models/alias", false)]
    [InlineData(MlflowAccess.Manage, "DELETE", "/api/2.0/mlflow/registered-models/alias", true)]
    [InlineData(MlflowAccess.NoPermissions, "GET", "/api/2.0/mlflow/experiments/get", false)]
    public void Allows_Permission_MatchesMlflowLevels(MlflowAccess access, string method, string path, bool allowed)
    {
        Assert.Equal(allowed, BasicAuthentication.Allows(access, method, path));
    }

    [Fact]
    public async Task LoopbackServer_ForeignHostHeader_IsRefused()
    {
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(_server.BaseAddress, "api/2.0/mlflow/experiments/search"));
        request.Headers.Host = "attacker.example";
        request.Headers.Authorization = Basic("admin", AdminPassword);

        using var response = await http.SendAsync(request);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains("DNS rebinding", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task ArtifactUpload_OverTheLimit_Answers413WithMlflowError(bool chunked)
    {
        using var http = new HttpClient { BaseAddress = _server.BaseAddress };
        using var request = new HttpRequestMessage(HttpMethod.Put, "api/2.0/mlflow-artifacts/artifacts/1/r/artifacts/big.bin");
        request.Headers.Authorization = Basic("admin", AdminPassword);
        request.Content = chunked ? new StreamContent(new MemoryStream(new byte[4096])) : new ByteArrayContent(new byte[4096]);
        if (chunked)
        {
            request.Headers.TransferEncodingChunked = true;
        }

        using var response = await http.SendAsync(request);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("RESOURCE_EXHAUSTED", error.GetProperty("error_code").GetString());
        Assert.Contains("1024 bytes", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_store, "artifacts", "1", "r", "artifacts", "big.bin")));
    }

    [Fact]
    public void Validate_NonLoopbackWithoutAuth_IsRefusedUnlessInsecure()
    {
        var open = new MlflowServerOptions { Host = "0.0.0.0", StoreDirectory = _store };

        var error = Assert.Throws<ArgumentException>(open.Validate);
        open.Insecure = true;
        open.Validate();
        new MlflowServerOptions { Host = "0.0.0.0", StoreDirectory = _store, BasicAuth = new BasicAuthOptions { AdminPassword = AdminPassword } }.Validate();

        Assert.Contains("--insecure", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromEnvironment_IniFileAndEnvironment_AreRead()
    {
        var ini = Path.Combine(_store, "basic_auth.ini");
        File.WriteAllText(ini, "[mlflow]\ndefault_permission = EDIT\nadmin_username = root\nadmin_password = from-the-file\n");
        var variables = new Dictionary<string, string> { ["MLFLOW_AUTH_CONFIG_PATH"] = ini, ["MLFLOW_AUTH_ADMIN_PASSWORD"] = "from-the-env" };

        var options = BasicAuthOptions.FromEnvironment(variables.GetValueOrDefault);

        Assert.Equal(("root", "from-the-env", MlflowAccess.Edit), (options.AdminUsername, options.AdminPassword, options.DefaultPermission));
        Assert.Throws<ArgumentException>(() => BasicAuthOptions.FromEnvironment(_ => null));
    }

    private MlflowClient Client(string user, string password) =>
        MlflowClient.Create(new MlflowClientOptions { TrackingUri = _server.BaseAddress, Username = user, Password = password, MaxRetries = 0 });

    private static AuthenticationHeaderValue Basic(string user, string password) => new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}")));

    private static async Task<HttpResponseMessage> SendAsync(HttpClient http, HttpMethod method, string path, string json, AuthenticationHeaderValue auth)
    {
        using var request = new HttpRequestMessage(method, path) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        request.Headers.Authorization = auth;
        return await http.SendAsync(request);
    }
}
