using System.Net;
using System.Text;
using System.Text.Json;
using Platform.Mlflow.Protocol;
using Platform.Mlflow.Server;

namespace Platform.Mlflow.Tests;

/// <summary>
/// Every endpoint answers malformed, mistyped or odd input with an MLflow 4xx error body (or accepts it when it is in
/// fact valid), never a 500.
/// </summary>
public sealed class ServerRobustnessTests : IAsyncLifetime, IDisposable
{
    private static readonly (string Method, string Path)[] BodyEndpoints =
    [
        ("POST", "experiments/create"), ("POST", "experiments/search"), ("POST", "experiments/set-experiment-tag"),
        ("POST", "experiments/delete"), ("POST", "experiments/restore"), ("POST", "runs/create"), ("POST", "runs/update"),
        ("POST", "runs/delete"), ("POST", "runs/restore"), ("POST", "runs/search"), ("POST", "runs/log-metric"),
        ("POST", "runs/log-parameter"), ("POST", "runs/set-tag"), ("POST", "runs/delete-tag"), ("POST", "runs/log-batch"),
        ("POST", "runs/log-inputs"), ("POST", "registered-models/create"), ("PATCH", "registered-models/update"),
        ("DELETE", "registered-models/delete"), ("POST", "registered-models/set-tag"), ("DELETE", "registered-models/delete-tag"),
        ("POST", "registered-models/alias"), ("DELETE", "registered-models/alias"), ("POST", "model-versions/create"),
        ("PATCH", "model-versions/update"), ("DELETE", "model-versions/delete"), ("POST", "model-versions/set-tag"),
        ("DELETE", "model-versions/delete-tag"),
    ];

    private static readonly string[] BadBodies =
    [
        "", "null", "[]", "\"text\"", "{", "{\"name\": 5, \"run_id\": [], \"experiment_id\": {}}",
        "{\"experiment_ids\": \"0\", \"metrics\": {}, \"tags\": [1], \"datasets\": [{}]}",
        "{\"name\": \"\", \"version\": \"-1\", \"alias\": \"\", \"key\": \"\", \"run_id\": \"\"}",
        "{\"name\": \"m\", \"version\": \"99999999999999999999\", \"source\": \"x\", \"max_results\": -1}",
    ];

    private static readonly string[] QueryEndpoints =
    [
        "experiments/get", "experiments/get?experiment_id=", "experiments/get-by-name", "experiments/search?max_results=x",
        "runs/get", "metrics/get-history?run_id=x", "artifacts/list", "registered-models/get", "registered-models/get?name=%2F",
        "registered-models/search?max_results=0", "registered-models/search?filter=name%20%3D", "registered-models/alias?name=m",
        "model-versions/get?name=m&version=abc", "model-versions/search?filter=tags.x%20%3E%201", "model-versions/search?page_token=%25%25",
    ];

    private readonly string _store = TempDirectory.Create("mlflow-robust");
    private MlflowLocalServer _server = null!;
    private HttpClient _http = null!;

    public async Task InitializeAsync()
    {
        _server = await MlflowLocalServer.StartAsync(new MlflowServerOptions { Port = 0, StoreDirectory = _store });
        _http = new HttpClient { BaseAddress = _server.BaseAddress };
    }

    public async Task DisposeAsync()
    {
        Dispose();
        await _server.DisposeAsync();
        TempDirectory.Delete(_store);
    }

    public void Dispose() => _http?.Dispose();

    [Fact]
    public async Task BodyEndpoints_BadBodies_NeverFailWith5xx()
    {
        foreach (var (method, path) in BodyEndpoints)
        {
            foreach (var body in BadBodies)
            {
                using var request = new HttpRequestMessage(new HttpMethod(method), "api/2.0/mlflow/" + path)
                {
                    Content = new StringContent(body, Encoding.UTF8, "application/json"),
                };
                using var response = await _http.SendAsync(request);
                if (!response.IsSuccessStatusCode)
                {
                    await AssertClientErrorAsync(response, $"{method} {path} with {body}");
                }
            }
        }
    }

    [Fact]
    public async Task QueryEndpoints_MissingOrBadParameters_Return4xxMlflowErrors()
    {
        foreach (var path in QueryEndpoints)
        {
            using var response = await _http.GetAsync("api/2.0/mlflow/" + path);
            await AssertClientErrorAsync(response, "GET " + path);
        }
    }

    private static async Task AssertClientErrorAsync(HttpResponseMessage response, string what)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True((int)response.StatusCode is >= 400 and < 500, $"{what}: HTTP {(int)response.StatusCode} {body}");
        var error = JsonSerializer.Deserialize(body, MlflowJsonContext.Default.ErrorResponse);
        Assert.False(string.IsNullOrEmpty(error?.ErrorCode), $"{what}: {body}");
        Assert.NotEqual(HttpStatusCode.InternalServerError, response.StatusCode);
    }
}
