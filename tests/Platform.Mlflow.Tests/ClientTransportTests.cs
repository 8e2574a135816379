using System.Net;
using System.Text;

namespace Platform.Mlflow.Tests;

/// <summary>The client's transport: retries, error mapping, auth headers and configuration, against a scripted handler.</summary>
public sealed class ClientTransportTests
{
    private static readonly Uri Tracking = new("http://mlflow.test:5000");

    [Fact]
    public async Task Send_TransientStatusesThenSuccess_RetriesUntilSuccess()
    {
        var handler = new ScriptedHandler(
            _ => Status(HttpStatusCode.ServiceUnavailable),
            _ => Status(HttpStatusCode.TooManyRequests),
            _ => Status(HttpStatusCode.BadGateway),
            _ => Json("""{"run":{"info":{"run_id":"r1","status":"RUNNING"}}}"""));
        using var client = NewClient(handler, maxRetries: 3);

        var run = await client.GetRunAsync("r1");

        Assert.Equal("r1", run.Info.RunId);
        Assert.Equal(4, handler.Calls);
    }

    [Fact]
    public async Task Send_TransientStatusBeyondRetries_ThrowsWithTheServersErrorCode()
    {
        var handler = new ScriptedHandler(_ => Json("""{"error_code":"TEMPORARILY_UNAVAILABLE","message":"busy"}""", HttpStatusCode.ServiceUnavailable));
        using var client = NewClient(handler, maxRetries: 2);

        var error = await Assert.ThrowsAsync<MlflowException>(() => client.GetRunAsync("r1"));

        Assert.Equal(MlflowErrorCodes.TemporarilyUnavailable, error.ErrorCode);
        Assert.Equal(3, handler.Calls);
    }

    [Fact]
    public async Task Read_ResponseWithAWrongFieldType_NamesTheFieldNotADotNetType()
    {
        var handler = new ScriptedHandler(_ => Json("""{"run":{"info":{"run_id":"r1","start_time":"soon"}}}"""));
        using var client = NewClient(handler, maxRetries: 0);

        var error = await Assert.ThrowsAsync<MlflowException>(() => client.GetRunAsync("r1"));

        Assert.Equal("MLflow returned a response that is not the expected JSON: field 'run.info.start_time': expected a number (in range).", error.Message);
    }

    [Fact]
    public async Task Send_ClientError_IsNotRetried()
    {
        var handler = new ScriptedHandler(_ => Json("""{"error_code":"RESOURCE_DOES_NOT_EXIST","message":"Run with id=r1 not found"}""", HttpStatusCode.NotFound));
        using var client = NewClient(handler, maxRetries: 5);

        var error = await Assert.ThrowsAsync<MlflowResourceNotFoundException>(() => client.GetRunAsync("r1"));

        Assert.Equal("Run with id=r1 not found", error.Message);
        Assert.Equal(1, handler.Calls);
    }

    [Fact]
    public async Task Send_AttemptTimesOut_RetriesAndSucceeds()
    {
        var handler = new ScriptedHandler(
            async (_, token) =>
            {
                await Task.Delay(Timeout.Infinite, token);
                return Status(HttpStatusCode.OK);
            },
            (_, _) => Task.FromResult(Json("""{"experiment":{"experiment_id":"3","name":"x"}}""")));
        using var client = NewClient(handler, maxRetries: 1, timeout: TimeSpan.FromMilliseconds(50));

        var experiment = await client.GetExperimentAsync("3");

        Assert.Equal("3", experiment.ExperimentId);
        Assert.Equal(2, handler.Calls);
    }

    [Fact]
    public async Task Send_ConnectionRefusedEveryTime_ThrowsTemporarilyUnavailable()
    {
        var handler = new ScriptedHandler(_ => throw new HttpRequestException("connection refused"));
        using var client = NewClient(handler, maxRetries: 2);

        var error = await Assert.ThrowsAsync<MlflowException>(() => client.GetRunAsync("r1"));

        Assert.Equal(MlflowErrorCodes.TemporarilyUnavailable, error.ErrorCode);
        Assert.Equal(3, handler.Calls);
    }

    [Fact]
    public async Task Send_CallerCancels_ThrowsOperationCanceledWithoutRetrying()
    {
        using var cancellation = new CancellationTokenSource();
        var handler = new ScriptedHandler(async (_, token) =>
        {
            await cancellation.CancelAsync();
            await Task.Delay(Timeout.Infinite, token);
            return Status(HttpStatusCode.OK);
        });
        using var client = NewClient(handler, maxRetries: 3);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => client.GetRunAsync("r1", cancellation.Token));
        Assert.Equal(1, handler.Calls);
    }

    [Fact]
    public async Task Send_NonMlflowErrorBody_MapsStatusToAnErrorCode()
    {
        var handler = new ScriptedHandler(_ => new HttpResponseMessage(HttpStatusCode.Unauthorized) { Content = new StringContent("<html>login</html>") });
        using var client = NewClient(handler, maxRetries: 0);

        var error = await Assert.ThrowsAsync<MlflowAuthorizationException>(() => client.GetRunAsync("r1"));

        Assert.Equal(MlflowErrorCodes.Unauthenticated, error.ErrorCode);
    }

    [Fact]
    public async Task Send_BearerToken_SendsAuthorizationHeader()
    {
        var handler = new ScriptedHandler(_ => Json("{}"));
        using var client = NewClient(handler, options: new MlflowClientOptions { TrackingUri = Tracking, Token = "secret-token" });

        await client.SetTagAsync("r1", "k", "v");

        Assert.Equal("Bearer secret-token", handler.Requests.Single().Authorization);
        Assert.Equal("http://mlflow.test:5000/api/2.0/mlflow/runs/set-tag", handler.Requests.Single().Uri);
        Assert.Equal("""{"run_id":"r1","key":"k","value":"v"}""", handler.Requests.Single().Body);
    }

    [Fact]
    public async Task Send_BasicAuth_SendsEncodedCredentials()
    {
        var handler = new ScriptedHandler(_ => Json("{}"));
        using var client = NewClient(handler, options: new MlflowClientOptions { TrackingUri = Tracking, Username = "ana", Password = "pw" });

        await client.SetTagAsync("r1", "k", "v");

        Assert.Equal("Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("ana:pw")), handler.Requests.Single().Authorization);
    }

    [Fact]
    public async Task GetRequests_EscapeQueryValuesAndRepeatOrderBy()
    {
        var handler = new ScriptedHandler(_ => Json("{}"));
        using var client = NewClient(handler);

        await client.SearchModelVersionsAsync("name = 'a b'", 10, ["name ASC", "version_number DESC"]);

        Assert.Equal(
            "http://mlflow.test:5000/api/2.0/mlflow/model-versions/search?filter=name%20%3D%20%27a%20b%27&max_results=10&order_by=name%20ASC&order_by=version_number%20DESC",
            handler.Requests.Single().Uri);
    }

    [Fact]
    public async Task ReadResponses_Int64AsStringsAndNaN_AreAccepted()
    {
        var handler = new ScriptedHandler(_ => Json("""{"metrics":[{"key":"m","value":"NaN","timestamp":"1700000000000","step":"3"}],"extra_field":1}"""));
        using var client = NewClient(handler);

        var history = await client.GetMetricHistoryAsync("r1", "m");

        var point = Assert.Single(history);
        Assert.True(double.IsNaN(point.Value));
        Assert.Equal(1_700_000_000_000, point.Timestamp);
        Assert.Equal(3, point.Step);
    }

    [Fact]
    public void FromEnvironment_AllVariables_AreRead()
    {
        var variables = new Dictionary<string, string>
        {
            ["MLFLOW_TRACKING_URI"] = "https://mlflow.example:8443/",
            ["MLFLOW_TRACKING_USERNAME"] = "ana",
            ["MLFLOW_TRACKING_PASSWORD"] = "pw",
            ["MLFLOW_HTTP_REQUEST_MAX_RETRIES"] = "3",
            ["MLFLOW_HTTP_REQUEST_TIMEOUT"] = "30",
        };

        var options = MlflowClientOptions.FromEnvironment(variables.GetValueOrDefault);

        Assert.Equal(new Uri("https://mlflow.example:8443/"), options.TrackingUri);
        Assert.Equal("ana", options.Username);
        Assert.Equal(3, options.MaxRetries);
        Assert.Equal(TimeSpan.FromSeconds(30), options.RequestTimeout);
    }

    [Theory]
    [InlineData("MLFLOW_TRACKING_URI", "file:///srv/mlruns")]
    [InlineData("MLFLOW_TRACKING_URI", "not a uri")]
    [InlineData("MLFLOW_TRACKING_USERNAME", "only-user")]
    [InlineData("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "-1")]
    [InlineData("MLFLOW_HTTP_REQUEST_TIMEOUT", "0")]
    public void FromEnvironment_InvalidSetting_ThrowsConfigurationError(string variable, string value)
    {
        var variables = new Dictionary<string, string> { [variable] = value };
        Assert.Throws<MlflowConfigurationException>(() => MlflowClientOptions.FromEnvironment(variables.GetValueOrDefault));
    }

    [Fact]
    public void FromEnvironment_Nothing_DefaultsToTheLocalServer()
    {
        var options = MlflowClientOptions.FromEnvironment(_ => null);
        Assert.Equal(MlflowClientOptions.DefaultTrackingUri, options.TrackingUri);
        Assert.Null(options.Token);
    }

    [Fact]
    public async Task Send_UserInfoInTrackingUri_SendsBasicAuthAndNeverTheUserInfo()
    {
        var handler = new ScriptedHandler(_ => Json("""{"run":{"info":{"run_id":"r1"}}}"""));
        using var client = NewClient(handler, options: new MlflowClientOptions { TrackingUri = new Uri("http://ana:s%3Acret@mlflow.test:5000") });

        await client.GetRunAsync("r1");

        var request = Assert.Single(handler.Requests);
        Assert.Equal("Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("ana:s:cret")), request.Authorization);
        Assert.DoesNotContain("ana", request.Uri, StringComparison.Ordinal);
        Assert.DoesNotContain("cret", client.TrackingUri.AbsoluteUri, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Send_ConnectionFailsWithCredentialsInUri_ErrorNamesTheServerWithoutThePassword()
    {
        var handler = new ScriptedHandler((_, _) => throw new HttpRequestException("Connection refused (http://ana:hunter22@mlflow.test:5000/)"));
        using var client = NewClient(handler, maxRetries: 0, options: new MlflowClientOptions { TrackingUri = new Uri("http://ana:hunter22@mlflow.test:5000") });

        var error = await Assert.ThrowsAsync<MlflowException>(() => client.GetRunAsync("r1"));

        Assert.DoesNotContain("hunter22", error.Message, StringComparison.Ordinal);
        Assert.Contains("mlflow.test:5000", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("http://user:pw@host:5000/", "http://***@host:5000/")]
    [InlineData("see https://a:b@x.example/path and http://c@y", "see https://***@x.example/path and http://***@y")]
    [InlineData("http://host:5000/", "http://host:5000/")]
    public void Redact_UserInfo_IsReplaced(string text, string expected)
    {
        Assert.Equal(expected, UriRedaction.Redact(text));
    }

    [Fact]
    public void FromEnvironment_TokenWithUsernameAndPassword_OneClearError()
    {
        var variables = new Dictionary<string, string>
        {
            ["MLFLOW_TRACKING_URI"] = "http://user:pw@mlflow.example",
            ["MLFLOW_TRACKING_TOKEN"] = "t",
            ["MLFLOW_TRACKING_USERNAME"] = "ana",
            ["MLFLOW_TRACKING_PASSWORD"] = "pw",
        };

        var error = Assert.Throws<MlflowConfigurationException>(() => MlflowClientOptions.FromEnvironment(variables.GetValueOrDefault));

        Assert.Contains("MLFLOW_TRACKING_TOKEN", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("pw", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("mlflow-artifacts:/1/abc/artifacts", "1/abc/artifacts")]
    [InlineData("mlflow-artifacts://host:5000/1/abc/artifacts", "1/abc/artifacts")]
    [InlineData("mlflow-artifacts:/1/abc/artifacts/", "1/abc/artifacts")]
    public void ToProxyPath_ProxiedUris_GiveTheProxyPath(string uri, string expected)
    {
        Assert.Equal(expected, ArtifactLocation.ToProxyPath(uri));
    }

    [Theory]
    [InlineData("file:///srv/mlruns/1/abc/artifacts")]
    [InlineData("s3://bucket/1/abc/artifacts")]
    [InlineData("mlflow-artifacts:/1/../../etc")]
    public void ToProxyPath_OtherSchemesOrTraversal_Throw(string uri)
    {
        Assert.Throws<MlflowInvalidParameterException>(() => ArtifactLocation.ToProxyPath(uri));
    }

    private static MlflowClient NewClient(ScriptedHandler handler, int maxRetries = 2, TimeSpan? timeout = null, MlflowClientOptions? options = null)
    {
        options ??= new MlflowClientOptions { TrackingUri = Tracking };
        options.MaxRetries = maxRetries;
        options.InitialBackoff = TimeSpan.FromMilliseconds(1);
        options.MaxBackoff = TimeSpan.FromMilliseconds(5);
        options.RequestTimeout = timeout ?? TimeSpan.FromSeconds(30);
        return new MlflowClient(new HttpClient(handler), options);
    }

    private static HttpResponseMessage Status(HttpStatusCode status) => new(status) { Content = new StringContent("") };

    private static HttpResponseMessage Json(string json, HttpStatusCode status = HttpStatusCode.OK) =>
        new(status) { Content = new StringContent(json, Encoding.UTF8, "application/json") };

    /// <summary>Answers each call with the next scripted response (the last one repeats) and records the requests.</summary>
    private sealed class ScriptedHandler : HttpMessageHandler
    {
        private readonly Func<HttpRequestMessage, CancellationToken, Task<HttpResponseMessage>>[] _script;

        public ScriptedHandler(params Func<HttpRequestMessage, HttpResponseMessage>[] script)
        {
            _script = script.Select(f => (Func<HttpRequestMessage, CancellationToken, Task<HttpResponseMessage>>)((r, _) => Task.FromResult(f(r)))).ToArray();
        }

        public ScriptedHandler(params Func<HttpRequestMessage, CancellationToken, Task<HttpResponseMessage>>[] script)
        {
            _script = script;
        }

        public int Calls { get; private set; }

        public List<(string Uri, string? Authorization, string? Body)> Requests { get; } = [];

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var step = _script[Math.Min(Calls, _script.Length - 1)];
            Calls++;
            var body = request.Content is null ? null : await request.Content.ReadAsStringAsync(cancellationToken);
            Requests.Add((request.RequestUri!.AbsoluteUri, request.Headers.Authorization?.ToString(), body));
            return await step(request, cancellationToken);
        }
    }
}
