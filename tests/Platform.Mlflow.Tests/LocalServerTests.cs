using System.Net;
using System.Text;
using System.Text.Json;
using Platform.Mlflow.Protocol;
using Platform.Mlflow.Server;

namespace Platform.Mlflow.Tests;

/// <summary>One local server shared by the validation tests; each test makes the runs it changes.</summary>
public sealed class LocalServerFixture : IAsyncLifetime
{
    private MlflowLocalServer _server = null!;

    public string StoreDirectory { get; } = TempDirectory.Create("mlflow-server");

    public HttpClient Http { get; private set; } = null!;

    public MlflowClient Client { get; private set; } = null!;

    public string ExperimentId { get; private set; } = "";

    public async Task InitializeAsync()
    {
        _server = await MlflowLocalServer.StartAsync(new MlflowServerOptions { Port = 0, StoreDirectory = StoreDirectory });
        Http = new HttpClient { BaseAddress = _server.BaseAddress };
        Client = MlflowClient.Create(new MlflowClientOptions { TrackingUri = _server.BaseAddress, MaxRetries = 0 });
        ExperimentId = await Client.CreateExperimentAsync("validation");
        await Client.CreateRegisteredModelAsync("m");
        await Client.CreateModelVersionAsync("m", "mlflow-artifacts:/1/x/artifacts/model");
    }

    public async Task DisposeAsync()
    {
        Client.Dispose();
        Http.Dispose();
        await _server.DisposeAsync();
        TempDirectory.Delete(StoreDirectory);
    }
}

/// <summary>
/// Tests of the local server itself: persistence across restarts and each validation rule, sent as raw HTTP so the
/// client's own validation cannot hide a server gap. Every rejection must be MLflow's {error_code, message} body.
/// </summary>
public sealed class LocalServerTests(LocalServerFixture fixture) : IClassFixture<LocalServerFixture>, IAsyncLifetime
{
    private readonly HttpClient _http = fixture.Http;
    private readonly MlflowClient _client = fixture.Client;
    private readonly string _experimentId = fixture.ExperimentId;
    private string _runId = "";

    public async Task InitializeAsync() => _runId = (await _client.CreateRunAsync(_experimentId)).Info.RunId;

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Restart_SameStore_KeepsEverything()
    {
        var store = TempDirectory.Create("mlflow-restart");
        try
        {
            string experimentId, runId, artifactUri;
            await using (var first = await MlflowLocalServer.StartAsync(new MlflowServerOptions { Port = 0, StoreDirectory = store }))
            using (var client = MlflowClient.Create(new MlflowClientOptions { TrackingUri = first.BaseAddress, MaxRetries = 0 }))
            {
                experimentId = await client.CreateExperimentAsync("persisted-experiment");
                var run = await client.CreateRunAsync(experimentId, "persisted");
                (runId, artifactUri) = (run.Info.RunId, run.Info.ArtifactUri);
                await client.LogBatchAsync(runId, [new Metric("loss", 0.5, 10, 1), new Metric("loss", 0.25, 20, 2)], [new Param("seed", "1")], [new Tag("k", "v")]);
                await client.LogInputsAsync(runId, [new DatasetInput { Dataset = new Dataset { Name = "d", Digest = "abc", SourceType = "local", Source = "s" } }]);
                await client.UploadArtifactBytesAsync(artifactUri, "model/weights.bin", new byte[] { 0, 1, 2, 255 });
                await client.EndRunAsync(runId);
                await client.CreateRegisteredModelAsync("m");
                await client.CreateModelVersionAsync("m", artifactUri + "/model", runId);
                await client.SetModelAliasAsync("m", "champion", "1");
                await client.SetExperimentTagAsync(experimentId, "note", "kept");
            }

            await using var second = await MlflowLocalServer.StartAsync(new MlflowServerOptions { Port = 0, StoreDirectory = store });
            using var reopened = MlflowClient.Create(new MlflowClientOptions { TrackingUri = second.BaseAddress, MaxRetries = 0 });
            var reloaded = await reopened.GetRunAsync(runId);
            Assert.Equal("persisted", reloaded.Info.RunName);
            Assert.Equal(RunStatus.Finished, reloaded.Info.Status);
            Assert.Equal(0.25, Assert.Single(reloaded.Data.Metrics).Value);
            Assert.Equal(2, (await reopened.GetMetricHistoryAsync(runId, "loss")).Count);
            Assert.Equal([new Param("seed", "1")], reloaded.Data.Params);
            Assert.Contains(new Tag("k", "v"), reloaded.Data.Tags);
            Assert.Equal("d", Assert.Single(reloaded.Inputs.DatasetInputs).Dataset.Name);
            Assert.Equal(new byte[] { 0, 1, 2, 255 }, await reopened.DownloadArtifactBytesAsync(reloaded.Info.ArtifactUri, "model/weights.bin"));
            Assert.Equal("1", (await reopened.GetModelVersionByAliasAsync("m", "champion")).Version);
            Assert.Contains(new Tag("note", "kept"), (await reopened.GetExperimentAsync(experimentId)).Tags);
            Assert.Equal("Default", (await reopened.GetExperimentAsync("0")).Name);
            Assert.NotEqual(experimentId, await reopened.CreateExperimentAsync("after-restart"));
            Assert.Equal("2", (await reopened.CreateModelVersionAsync("m", artifactUri + "/model")).Version);
        }
        finally
        {
            TempDirectory.Delete(store);
        }
    }

    [Fact]
    public async Task Start_StoreDatabaseIsNotSqlite_ThrowsAClearError()
    {
        var store = TempDirectory.Create("mlflow-corrupt");
        try
        {
            await File.WriteAllTextAsync(Path.Combine(store, "mlflow.db"), "this is not a database, just text long enough to fill a header page");

            var error = await Assert.ThrowsAsync<InvalidOperationException>(() => MlflowLocalServer.StartAsync(new MlflowServerOptions { Port = 0, StoreDirectory = store }));

            Assert.Contains("mlflow.db", error.Message, StringComparison.Ordinal);
            Assert.Contains("not an SQLite database", error.Message, StringComparison.Ordinal);
            Assert.DoesNotContain("SQLite Error", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            TempDirectory.Delete(store);
        }
    }

    [Fact]
    public async Task Start_PortInUse_ThrowsAndTheStoreCanBeReopened()
    {
        var store = TempDirectory.Create("mlflow-port");
        try
        {
            var port = fixture.Http.BaseAddress!.Port;
            await Assert.ThrowsAnyAsync<IOException>(() => MlflowLocalServer.StartAsync(new MlflowServerOptions { Port = port, StoreDirectory = store }));

            await using var server = await MlflowLocalServer.StartAsync(new MlflowServerOptions { Port = 0, StoreDirectory = store });
            using var client = MlflowClient.Create(new MlflowClientOptions { TrackingUri = server.BaseAddress, MaxRetries = 0 });
            Assert.Equal("Default", (await client.GetExperimentAsync("0")).Name);
        }
        finally
        {
            TempDirectory.Delete(store);
        }
    }

    [Fact]
    public async Task MalformedJson_Returns400WithMlflowErrorBody()
    {
        var response = await PostRawAsync("runs/log-metric", "{\"run_id\": ");
        await AssertErrorAsync(response, HttpStatusCode.BadRequest, MlflowErrorCodes.InvalidParameterValue);
    }

    [Fact]
    public async Task WrongJsonType_Returns400WithMlflowErrorBody()
    {
        var response = await PostRawAsync("runs/log-metric", $"{{\"run_id\":\"{_runId}\",\"key\":\"m\",\"value\":{{\"nested\":1}},\"timestamp\":1}}");
        await AssertErrorAsync(response, HttpStatusCode.BadRequest, MlflowErrorCodes.InvalidParameterValue);
    }

    [Fact]
    public async Task WrongJsonType_MessageNamesTheFieldAndWhatWasExpected()
    {
        var response = await PostRawAsync("runs/log-metric", $"{{\"run_id\":\"{_runId}\",\"key\":\"m\",\"value\":1,\"timestamp\":\"yesterday\"}}");

        var error = JsonSerializer.Deserialize(await response.Content.ReadAsStringAsync(), MlflowJsonContext.Default.ErrorResponse)!;
        Assert.Equal("Malformed JSON request body: field 'timestamp': expected a number (in range).", error.Message);
    }

    [Fact]
    public async Task ObjectWhereANumberBelongs_MessageNamesTheFieldAndTheToken()
    {
        var response = await PostRawAsync("runs/log-metric", $"{{\"run_id\":\"{_runId}\",\"key\":\"m\",\"value\":{{\"nested\":1}},\"timestamp\":1}}");

        var error = JsonSerializer.Deserialize(await response.Content.ReadAsStringAsync(), MlflowJsonContext.Default.ErrorResponse)!;
        Assert.Equal("Malformed JSON request body: field 'value': expected a number, got an object.", error.Message);
    }

    [Fact]
    public async Task NonJsonContentType_Returns400()
    {
        using var content = new StringContent("{}", Encoding.UTF8, "text/plain");
        var response = await _http.PostAsync("api/2.0/mlflow/experiments/create", content);
        await AssertErrorAsync(response, HttpStatusCode.BadRequest, MlflowErrorCodes.InvalidParameterValue);
    }

    [Fact]
    public async Task UnknownEndpoint_Returns404EndpointNotFound()
    {
        var response = await _http.GetAsync("api/2.0/mlflow/no-such/endpoint");
        await AssertErrorAsync(response, HttpStatusCode.NotFound, MlflowErrorCodes.EndpointNotFound);
    }

    [Fact]
    public async Task WrongMethod_Returns405WithMlflowErrorBody()
    {
        var response = await _http.GetAsync("api/2.0/mlflow/runs/log-metric");
        await AssertErrorAsync(response, HttpStatusCode.MethodNotAllowed, MlflowErrorCodes.EndpointNotFound);
    }

    [Fact]
    public async Task UnknownRun_Returns404ResourceDoesNotExist()
    {
        var response = await _http.GetAsync("api/2.0/mlflow/runs/get?run_id=nope");
        await AssertErrorAsync(response, HttpStatusCode.NotFound, MlflowErrorCodes.ResourceDoesNotExist);
    }

    [Fact]
    public async Task UnknownExperimentId_Returns404()
    {
        var response = await _http.GetAsync("api/2.0/mlflow/experiments/get?experiment_id=not-a-number");
        await AssertErrorAsync(response, HttpStatusCode.NotFound, MlflowErrorCodes.ResourceDoesNotExist);
    }

    [Theory]
    [InlineData("runs/log-metric", """{"run_id":"$RUN","key":"bad key!","value":1,"timestamp":1}""")]
    [InlineData("runs/log-metric", """{"run_id":"$RUN","key":"a/../b","value":1,"timestamp":1}""")]
    [InlineData("runs/log-metric", """{"run_id":"$RUN","key":"m","value":1}""")]
    [InlineData("runs/log-metric", """{"run_id":"$RUN","key":"m","value":1,"timestamp":-5}""")]
    [InlineData("runs/log-metric", """{"run_id":"$RUN","key":"m","timestamp":1}""")]
    [InlineData("runs/log-metric", """{"run_id":"$RUN","key":"$LONGKEY","value":1,"timestamp":1}""")]
    [InlineData("runs/log-parameter", """{"run_id":"$RUN","key":"p","value":"$PARAM6001"}""")]
    [InlineData("runs/log-parameter", """{"run_id":"$RUN","key":"p"}""")]
    [InlineData("runs/set-tag", """{"run_id":"$RUN","key":"t","value":"$TAG8001"}""")]
    [InlineData("runs/set-tag", """{"run_id":"$RUN","key":"","value":"x"}""")]
    [InlineData("experiments/create", """{"name":""}""")]
    [InlineData("experiments/create", """{"name":"tagged","tags":[{"key":"a"}]}""")]
    [InlineData("registered-models/create", """{"name":"tagged","tags":[null]}""")]
    [InlineData("runs/log-batch", """{"run_id":"$RUN","tags":[null]}""")]
    [InlineData("runs/log-batch", """{"run_id":"$RUN","params":[{"key":"p"}]}""")]
    [InlineData("runs/log-inputs", """{"run_id":"$RUN","datasets":[null]}""")]
    [InlineData("experiments/create", """{"name":"x","artifact_location":"file:///srv/elsewhere"}""")]
    [InlineData("experiments/set-experiment-tag", """{"experiment_id":"$EXP","key":"t","value":"$TAG5001"}""")]
    [InlineData("registered-models/create", """{"name":""}""")]
    [InlineData("registered-models/create", """{"name":"a/b"}""")]
    [InlineData("registered-models/set-tag", """{"name":"m","key":"t","value":"$TAG5001"}""")]
    [InlineData("model-versions/set-tag", """{"name":"m","version":"1","key":"t","value":"$TAG5001"}""")]
    [InlineData("model-versions/create", """{"name":"m","source":"relative/path"}""")]
    [InlineData("model-versions/create", """{"name":"m","source":"mlflow-artifacts:/1/../../etc"}""")]
    [InlineData("model-versions/create", """{"name":"m","source":"file:///etc/passwd"}""")]
    [InlineData("model-versions/create", """{"name":"m"}""")]
    [InlineData("registered-models/alias", """{"name":"m","alias":"latest","version":"1"}""")]
    [InlineData("registered-models/alias", """{"name":"m","alias":"Latest","version":"1"}""")]
    [InlineData("registered-models/alias", """{"name":"m","alias":"v1","version":"1"}""")]
    [InlineData("registered-models/alias", """{"name":"m","alias":"V20","version":"1"}""")]
    [InlineData("registered-models/alias", """{"name":"m","alias":"no spaces","version":"1"}""")]
    [InlineData("registered-models/alias", """{"name":"m","alias":"$ALIAS256","version":"1"}""")]
    [InlineData("registered-models/alias", """{"name":"m","alias":"champion","version":"one"}""")]
    [InlineData("runs/log-inputs", """{"run_id":"$RUN","datasets":[{"dataset":{"name":"d","digest":"$DIGEST37","source_type":"local","source":"s"}}]}""")]
    [InlineData("runs/log-inputs", """{"run_id":"$RUN","datasets":[{"dataset":{"name":"d","source_type":"local","source":"s"}}]}""")]
    [InlineData("runs/search", """{"experiment_ids":["$EXP"],"max_results":50001}""")]
    [InlineData("runs/search", """{"experiment_ids":["$EXP"],"page_token":"not-base64!"}""")]
    [InlineData("runs/search", """{"experiment_ids":["$EXP"],"filter":"params.algo > 'x'"}""")]
    [InlineData("runs/search", """{"experiment_ids":["$EXP"],"filter":"metrics.m = 'text'"}""")]
    [InlineData("runs/search", """{"experiment_ids":["$EXP"],"filter":"attributes.nonsense = 'x'"}""")]
    [InlineData("runs/search", """{"experiment_ids":["$EXP"],"filter":"metrics.a > 1 OR metrics.b > 1"}""")]
    public async Task InvalidInput_Returns400InvalidParameterValue(string endpoint, string body)
    {
        var response = await PostRawAsync(endpoint, Expand(body));
        await AssertErrorAsync(response, HttpStatusCode.BadRequest, MlflowErrorCodes.InvalidParameterValue);
    }

    [Fact]
    public async Task Limits_ValuesAtTheLimit_AreAccepted()
    {
        Assert.Equal(HttpStatusCode.OK, (await PostRawAsync("runs/set-tag", Expand("""{"run_id":"$RUN","key":"t","value":"$TAG8000"}"""))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await PostRawAsync("runs/log-parameter", Expand("""{"run_id":"$RUN","key":"p6000","value":"$PARAM6000"}"""))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await PostRawAsync("runs/log-metric", Expand("""{"run_id":"$RUN","key":"$KEY250","value":"NaN","timestamp":"12"}"""))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await PostRawAsync("registered-models/alias", """{"name":"m","alias":"v1-candidate","version":"1"}""")).StatusCode);
    }

    [Fact]
    public async Task LogBatch_OverEntityLimits_Returns400AndWritesNothing()
    {
        var metrics = string.Join(',', Enumerable.Range(0, 1001).Select(i => $"{{\"key\":\"m\",\"value\":{i},\"timestamp\":1,\"step\":{i}}}"));
        var parameters = string.Join(',', Enumerable.Range(0, 101).Select(i => $"{{\"key\":\"p{i}\",\"value\":\"v\"}}"));
        var tags = string.Join(',', Enumerable.Range(0, 101).Select(i => $"{{\"key\":\"t{i}\",\"value\":\"v\"}}"));

        await AssertErrorAsync(await PostRawAsync("runs/log-batch", $"{{\"run_id\":\"{_runId}\",\"metrics\":[{metrics}]}}"), HttpStatusCode.BadRequest, MlflowErrorCodes.InvalidParameterValue);
        await AssertErrorAsync(await PostRawAsync("runs/log-batch", $"{{\"run_id\":\"{_runId}\",\"params\":[{parameters}]}}"), HttpStatusCode.BadRequest, MlflowErrorCodes.InvalidParameterValue);
        await AssertErrorAsync(await PostRawAsync("runs/log-batch", $"{{\"run_id\":\"{_runId}\",\"tags\":[{tags}]}}"), HttpStatusCode.BadRequest, MlflowErrorCodes.InvalidParameterValue);

        var run = await _client.GetRunAsync(_runId);
        Assert.Empty(run.Data.Metrics);
        Assert.Empty(run.Data.Params);
    }

    [Fact]
    public async Task LogBatch_BodyOverOneMegabyte_Returns400()
    {
        var tags = string.Join(',', Enumerable.Range(0, 100).Select(i => $"{{\"key\":\"t{i}\",\"value\":\"{new string('x', 8000)}\"}}"));
        var parameters = string.Join(',', Enumerable.Range(0, 100).Select(i => $"{{\"key\":\"p{i}\",\"value\":\"{new string('x', 6000)}\"}}"));

        var response = await PostRawAsync("runs/log-batch", $"{{\"run_id\":\"{_runId}\",\"params\":[{parameters}],\"tags\":[{tags}]}}");

        await AssertErrorAsync(response, HttpStatusCode.BadRequest, MlflowErrorCodes.InvalidParameterValue);
    }

    [Fact]
    public async Task LogBatch_DuplicateParamKeyWithDifferentValues_Returns400()
    {
        var response = await PostRawAsync("runs/log-batch", $"{{\"run_id\":\"{_runId}\",\"params\":[{{\"key\":\"a\",\"value\":\"1\"}},{{\"key\":\"a\",\"value\":\"2\"}}]}}");
        await AssertErrorAsync(response, HttpStatusCode.BadRequest, MlflowErrorCodes.InvalidParameterValue);
    }

    [Fact]
    public async Task LogBatch_SameTagTwiceInOneRequest_LastValueWins()
    {
        var response = await PostRawAsync("runs/log-batch", $"{{\"run_id\":\"{_runId}\",\"tags\":[{{\"key\":\"a\",\"value\":\"1\"}},{{\"key\":\"a\",\"value\":\"2\"}}]}}");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("2", Assert.Single((await _client.GetRunAsync(_runId)).Data.Tags, t => t.Key == "a").Value);
    }

    [Fact]
    public async Task DeletedRun_RejectsWrites()
    {
        await _client.DeleteRunAsync(_runId);

        var response = await PostRawAsync("runs/log-parameter", $"{{\"run_id\":\"{_runId}\",\"key\":\"p\",\"value\":\"v\"}}");

        await AssertErrorAsync(response, HttpStatusCode.BadRequest, MlflowErrorCodes.InvalidParameterValue);
    }

    [Fact]
    public async Task CreateExperiment_NameOfADeletedExperiment_IsStillTaken()
    {
        var id = await _client.CreateExperimentAsync("to-delete");
        await _client.DeleteExperimentAsync(id);
        var response = await PostRawAsync("experiments/create", """{"name":"to-delete"}""");
        await AssertErrorAsync(response, HttpStatusCode.BadRequest, MlflowErrorCodes.ResourceAlreadyExists);
    }

    [Fact]
    public async Task GetAlias_Unknown_Returns400InvalidParameterValue()
    {
        var response = await _http.GetAsync("api/2.0/mlflow/registered-models/alias?name=m&alias=champion");
        await AssertErrorAsync(response, HttpStatusCode.BadRequest, MlflowErrorCodes.InvalidParameterValue);
    }

    [Fact]
    public async Task ArtifactUpload_PathTraversal_Returns400AndWritesNothingOutsideTheStore()
    {
        using var content = new ByteArrayContent([1, 2, 3]);
        var response = await _http.PutAsync("api/2.0/mlflow-artifacts/artifacts/1/..%2F..%2F..%2Fescaped.bin", content);

        await AssertErrorAsync(response, HttpStatusCode.BadRequest, MlflowErrorCodes.InvalidParameterValue);
        Assert.False(File.Exists(Path.Combine(Path.GetDirectoryName(fixture.StoreDirectory)!, "escaped.bin")));
    }

    [Fact]
    public async Task ArtifactDownload_Missing_Returns404()
    {
        var response = await _http.GetAsync("api/2.0/mlflow-artifacts/artifacts/1/none/artifacts/x.bin");
        await AssertErrorAsync(response, HttpStatusCode.NotFound, MlflowErrorCodes.ResourceDoesNotExist);
    }

    [Fact]
    public async Task TrackingArtifactList_ReturnsPathsRelativeToTheRunRoot()
    {
        var run = await _client.GetRunAsync(_runId);
        await _client.UploadArtifactBytesAsync(run.Info.ArtifactUri, "model/MLmodel", new byte[] { 1 });

        var response = await _http.GetAsync($"api/2.0/mlflow/artifacts/list?run_id={_runId}&path=model");
        var listing = JsonSerializer.Deserialize(await response.Content.ReadAsStringAsync(), MlflowJsonContext.Default.ListArtifactsResponse)!;

        Assert.Equal(run.Info.ArtifactUri, listing.RootUri);
        Assert.Equal("model/MLmodel", Assert.Single(listing.Files).Path);
    }

    [Fact]
    public async Task SearchRuns_PageTokens_WalkEveryRunOnce()
    {
        var experiment = await _client.CreateExperimentAsync("paging");
        for (var i = 0; i < 8; i++)
        {
            await _client.CreateRunAsync(experiment, $"r{i}");
        }

        var seen = await _client.SearchAllRunsAsync([experiment], pageSize: 3).Select(r => r.Info.RunId).ToListAsync();

        Assert.Equal(8, seen.Count);
        Assert.Equal(8, seen.Distinct().Count());
    }

    private string Expand(string body) => body
        .Replace("$RUN", _runId, StringComparison.Ordinal)
        .Replace("$EXP", _experimentId, StringComparison.Ordinal)
        .Replace("$LONGKEY", new string('k', 251), StringComparison.Ordinal)
        .Replace("$KEY250", new string('k', 250), StringComparison.Ordinal)
        .Replace("$PARAM6001", new string('p', 6001), StringComparison.Ordinal)
        .Replace("$PARAM6000", new string('p', 6000), StringComparison.Ordinal)
        .Replace("$TAG8001", new string('t', 8001), StringComparison.Ordinal)
        .Replace("$TAG8000", new string('t', 8000), StringComparison.Ordinal)
        .Replace("$TAG5001", new string('t', 5001), StringComparison.Ordinal)
        .Replace("$ALIAS256", new string('a', 256), StringComparison.Ordinal)
        .Replace("$DIGEST37", new string('d', 37), StringComparison.Ordinal);

    private async Task<HttpResponseMessage> PostRawAsync(string endpoint, string json)
    {
        using var content = new StringContent(json, Encoding.UTF8, "application/json");
        return await _http.PostAsync("api/2.0/mlflow/" + endpoint, content);
    }

    private static async Task AssertErrorAsync(HttpResponseMessage response, HttpStatusCode status, string errorCode)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"expected {(int)status}, got {(int)response.StatusCode}: {body}");
        var error = JsonSerializer.Deserialize(body, MlflowJsonContext.Default.ErrorResponse)!;
        Assert.Equal(errorCode, error.ErrorCode);
        Assert.False(string.IsNullOrWhiteSpace(error.Message));
        Assert.DoesNotContain("   at ", error.Message, StringComparison.Ordinal);
    }
}
