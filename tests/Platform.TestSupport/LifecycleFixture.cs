using Platform.Domain.MarketData;
using Platform.MarketData;
using Platform.Mlflow;
using Platform.Mlflow.Server;
using Platform.Activities;
using Platform.Storage;

namespace Platform.TestSupport;

/// <summary>A local MLflow server, a market store holding Oct 2022 – Jan 2023 of the bundled data, and an audit log.</summary>
public sealed class LifecycleFixture : IAsyncLifetime
{
    private readonly string directory = System.IO.Directory.CreateTempSubdirectory("platform-activities-").FullName;
    private MlflowLocalServer? server;

    public MlflowClient Mlflow { get; private set; } = null!;

    public InMemoryMarketDataStore Store { get; } = new();

    public JsonLinesAuditLog Audit { get; private set; } = null!;

    public string Directory => directory;

    public PlatformDataOptions Paths => new() { Directory = directory };

    public async Task InitializeAsync()
    {
        server = await MlflowLocalServer.StartAsync(new MlflowServerOptions { Port = 0, StoreDirectory = Path.Combine(directory, "mlflow") });
        Mlflow = MlflowClient.Create(new MlflowClientOptions { TrackingUri = server.BaseAddress });
        Audit = new JsonLinesAuditLog(Path.Combine(directory, "audit.jsonl"));
        var backfill = new MarketDataBackfill(new DirectoryKlineSource(MarketDataLoader.BundledDirectory), Store);
        foreach (var chunk in MarketDataBackfill.Plan(["BTCUSDT", "ETHUSDT", "BNBUSDT", "XRPUSDT", "LTCUSDT"], "1h", new(2022, 10, 1, 0, 0, 0, TimeSpan.Zero), new(2023, 1, 1, 0, 0, 0, TimeSpan.Zero)))
        {
            await backfill.RunAsync(chunk);
        }
    }

    public async Task DisposeAsync()
    {
        Mlflow.Dispose();
        Audit.Dispose();
        if (server is not null)
        {
            await server.DisposeAsync();
        }

        System.IO.Directory.Delete(directory, recursive: true);
    }
}
