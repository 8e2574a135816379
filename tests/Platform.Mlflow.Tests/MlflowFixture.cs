using Platform.Mlflow.Server;

namespace Platform.Mlflow.Tests;

/// <summary>
/// The server the contract suite talks to: a real MLflow server when MLFLOW_TRACKING_URI is set, otherwise the local
/// server started in-process on a free port with a temporary store.
/// </summary>
public sealed class MlflowFixture : IAsyncLifetime
{
    private MlflowLocalServer? _server;
    private string? _store;

    public MlflowClient Client { get; private set; } = null!;

    /// <summary>True when the suite runs against an external server named by MLFLOW_TRACKING_URI.</summary>
    public bool IsExternal { get; private set; }

    public async Task InitializeAsync()
    {
        if (!string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable("MLFLOW_TRACKING_URI")))
        {
            IsExternal = true;
            Client = MlflowClient.FromEnvironment();
            return;
        }

        _store = TempDirectory.Create("mlflow-contract");
        _server = await MlflowLocalServer.StartAsync(new MlflowServerOptions { Port = 0, StoreDirectory = _store });
        Client = MlflowClient.Create(new MlflowClientOptions { TrackingUri = _server.BaseAddress, MaxRetries = 2 });
    }

    public async Task DisposeAsync()
    {
        Client.Dispose();
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }

        TempDirectory.Delete(_store);
    }

    /// <summary>A name no earlier run of the suite used, so the suite also works against a long-lived server.</summary>
    public static string UniqueName(string prefix) => $"{prefix}-{Guid.NewGuid():N}";
}

[CollectionDefinition(Name)]
public sealed class MlflowServerGroup : ICollectionFixture<MlflowFixture>
{
    public const string Name = "mlflow";
}

internal static class TempDirectory
{
    public static string Create(string prefix)
    {
        var path = Path.Combine(Path.GetTempPath(), $"{prefix}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(path);
        return path;
    }

    public static void Delete(string? path)
    {
        if (path is not null && Directory.Exists(path))
        {
            Directory.Delete(path, recursive: true);
        }
    }
}
