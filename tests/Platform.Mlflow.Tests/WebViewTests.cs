using System.Net;
using Platform.Mlflow.Protocol;
using Platform.Mlflow.Server;

namespace Platform.Mlflow.Tests;

/// <summary>The local server's read-only HTML view.</summary>
public sealed class WebViewTests : IAsyncLifetime, IDisposable
{
    private readonly string _store = TempDirectory.Create("mlflow-ui");
    private MlflowLocalServer _server = null!;
    private HttpClient _http = null!;
    private MlflowClient _client = null!;

    public async Task InitializeAsync()
    {
        _server = await MlflowLocalServer.StartAsync(new MlflowServerOptions { Port = 0, StoreDirectory = _store });
        _http = new HttpClient { BaseAddress = _server.BaseAddress };
        _client = MlflowClient.Create(new MlflowClientOptions { TrackingUri = _server.BaseAddress });
    }

    public async Task DisposeAsync()
    {
        Dispose();
        await _server.DisposeAsync();
        TempDirectory.Delete(_store);
    }

    public void Dispose()
    {
        _client?.Dispose();
        _http?.Dispose();
    }

    [Fact]
    public async Task Pages_ExperimentRunAndModel_ShowTheirData()
    {
        var experiment = await _client.CreateExperimentAsync("btc-dqn");
        var run = await _client.CreateRunAsync(experiment, "seed-1");
        await _client.LogBatchAsync(run.Info.RunId, Enumerable.Range(0, 5).Select(i => new Metric("sharpe", i * 0.5, 1_700_000_000_000 + i, i)), [new Param("lr", "0.001")]);
        await _client.UploadArtifactBytesAsync(run.Info.ArtifactUri, "model/weights.bin", new byte[] { 1, 2, 3 });
        await _client.CreateRegisteredModelAsync("dqn");
        await _client.CreateModelVersionAsync("dqn", run.Info.ArtifactUri + "/model", run.Info.RunId);
        await _client.SetModelAliasAsync("dqn", "champion", "1");

        var home = await GetHtmlAsync("/");
        var experimentPage = await GetHtmlAsync($"/ui/experiments/{experiment}");
        var runPage = await GetHtmlAsync($"/ui/runs/{run.Info.RunId}");
        var modelPage = await GetHtmlAsync("/ui/models/dqn");

        Assert.Contains("btc-dqn", home, StringComparison.Ordinal);
        Assert.Contains("champion → v1", home, StringComparison.Ordinal);
        Assert.Contains("seed-1", experimentPage, StringComparison.Ordinal);
        Assert.Contains("0.001", experimentPage, StringComparison.Ordinal);
        Assert.Contains("<polyline", runPage, StringComparison.Ordinal);
        Assert.Contains("sharpe", runPage, StringComparison.Ordinal);
        Assert.Contains($"/api/2.0/mlflow-artifacts/artifacts/{experiment}/{run.Info.RunId}/artifacts/model/weights.bin", runPage, StringComparison.Ordinal);
        Assert.Contains("<span class=\"alias\">champion</span>", modelPage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Pages_MarkupInNames_IsEncoded()
    {
        await _client.CreateExperimentAsync("<script>alert(1)</script>");

        var home = await GetHtmlAsync("/");

        Assert.DoesNotContain("<script>", home, StringComparison.Ordinal);
        Assert.Contains("&lt;script&gt;", home, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunPage_UnknownRun_Returns404Page()
    {
        var response = await _http.GetAsync("/ui/runs/unknown");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains("not found", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    private async Task<string> GetHtmlAsync(string path)
    {
        var response = await _http.GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType!.MediaType);
        return await response.Content.ReadAsStringAsync();
    }
}
