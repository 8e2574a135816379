using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Platform.Activities;
using Platform.Domain.Execution;
using Platform.Domain.MarketData;
using Platform.Mlflow;
using Platform.Mlflow.Server;
using Platform.Storage;
using Platform.Storage.Trading;
using Platform.Telemetry;
using Platform.TemporalServer.Hosting;
using Platform.Workflows;
using Temporalio.Client;
using Temporalio.Extensions.Hosting;

namespace Platform.Worker;

/// <summary>
/// The platform in one process: embedded Temporal and MLflow servers unless real ones are configured, and a Generic
/// Host running the lifecycle worker (every workflow and activity, traced). Used by <c>platform up</c> and
/// <c>platform demo</c>; the same wiring runs against production servers by configuration alone.
/// </summary>
public sealed class PlatformRuntime : IAsyncDisposable
{
    private readonly IHost host;
    private readonly TemporalServerHost? temporalServer;
    private readonly MlflowLocalServer? mlflowServer;

    private PlatformRuntime(IHost host, TemporalServerHost? temporalServer, MlflowLocalServer? mlflowServer, SqlTradingStore tradingStore, TemporalClient client, string temporalAddress, Uri mlflowUri, PlatformOptions options)
    {
        this.host = host;
        this.temporalServer = temporalServer;
        this.mlflowServer = mlflowServer;
        TradingStore = tradingStore;
        Client = client;
        TemporalAddress = temporalAddress;
        MlflowUri = mlflowUri;
        Options = options;
    }

    public TemporalClient Client { get; }

    public string TemporalAddress { get; }

    public Uri MlflowUri { get; }

    public PlatformOptions Options { get; }

    /// <summary>The trading store (PostgreSQL when configured, else the embedded SQLite file), migrated at start.</summary>
    public SqlTradingStore TradingStore { get; }

    public bool EmbeddedTemporal => temporalServer is not null;

    public bool EmbeddedMlflow => mlflowServer is not null;

    public IServiceProvider Services => host.Services;

    /// <summary>Signalled when the host is asked to stop (SIGTERM, Ctrl+C): callers that wait on the runtime should stop too.</summary>
    public CancellationToken Stopping => host.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping;

    public static async Task<PlatformRuntime> StartAsync(PlatformOptions options, ILoggerFactory? loggerFactory = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = options.Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException("Invalid platform options: " + string.Join("; ", errors));
        }

        Directory.CreateDirectory(options.DataDirectory);
        TemporalServerHost? temporalServer = null;
        MlflowLocalServer? mlflowServer = null;
        SqlTradingStore? tradingStore = null;
        try
        {
            tradingStore = await TradingStores.OpenAsync(options.Postgres, options.DataDirectory, cancellationToken: cancellationToken);
            if (string.IsNullOrWhiteSpace(options.TemporalAddress))
            {
                temporalServer = await TemporalServerHost.StartAsync(
                    new TemporalServerOptions { Port = options.EmbeddedTemporalPort, DatabasePath = options.InMemoryTemporal ? null : Path.Combine(options.DataDirectory, "temporal.db") },
                    loggerFactory,
                    cancellationToken);
            }

            if (options.MlflowTrackingUri is null)
            {
                mlflowServer = await MlflowLocalServer.StartAsync(new MlflowServerOptions { Port = options.EmbeddedMlflowPort, StoreDirectory = Path.Combine(options.DataDirectory, "mlflow") }, cancellationToken);
            }

            var address = temporalServer?.TargetHost ?? options.TemporalAddress!;
            var mlflowUri = mlflowServer?.BaseAddress ?? options.MlflowTrackingUri!;
            var tracing = new TemporalTracingInterceptor();
            var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
            if (loggerFactory is not null)
            {
                builder.Services.AddSingleton(loggerFactory);
            }

            builder.Services.AddLogging();
            var data = new PlatformDataOptions { Directory = options.DataDirectory };
            builder.Services.AddSingleton(data);
            builder.Services.AddSingleton<IMarketDataStore>(_ => new DuckDbMarketDataStore(data.MarketStorePath));
            builder.Services.AddSingleton(_ => MlflowClient.Create(new MlflowClientOptions { TrackingUri = mlflowUri }));
            builder.Services.AddSingleton<IAuditLog>(_ => new JsonLinesAuditLog(data.AuditLogPath));
            builder.Services.AddSingleton<ITradingStore>(tradingStore);
            builder.Services.AddOpenTelemetry().WithTracing(t => t.AddPlatformTracing("platform-worker", TelemetryOptions.FromEnvironment()));
            builder.Services
                .AddHostedTemporalWorker(address, options.TemporalNamespace, options.TaskQueue)
                .ConfigureOptions(o =>
                {
                    o.ClientOptions ??= new TemporalClientConnectOptions(address) { Namespace = options.TemporalNamespace };
                    o.ClientOptions.Interceptors = [tracing];
                })
                .AddWorkflow<BackfillWorkflow>()
                .AddWorkflow<TrainingWorkflow>()
                .AddWorkflow<PromotionWorkflow>()
                .AddWorkflow<RollbackWorkflow>()
                .AddWorkflow<RetrainingWorkflow>()
                .AddSingletonActivities<MarketDataActivities>()
                .AddSingletonActivities<TrainingActivities>()
                .AddSingletonActivities<RegistryActivities>()
                .AddSingletonActivities<PromotionActivities>();
            var host = builder.Build();
            await host.StartAsync(cancellationToken);
            var client = await TemporalClient.ConnectAsync(new TemporalClientConnectOptions(address) { Namespace = options.TemporalNamespace, Interceptors = [tracing] });
            return new PlatformRuntime(host, temporalServer, mlflowServer, tradingStore, client, address, mlflowUri, options);
        }
        catch
        {
            if (tradingStore is not null)
            {
                await tradingStore.DisposeAsync();
            }

            if (mlflowServer is not null)
            {
                await mlflowServer.DisposeAsync();
            }

            if (temporalServer is not null)
            {
                await temporalServer.DisposeAsync();
            }

            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        using (var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30)))
        {
            await host.StopAsync(timeout.Token);
        }

        host.Dispose();
        await TradingStore.DisposeAsync();
        if (mlflowServer is not null)
        {
            await mlflowServer.DisposeAsync();
        }

        if (temporalServer is not null)
        {
            await temporalServer.DisposeAsync();
        }
    }
}
