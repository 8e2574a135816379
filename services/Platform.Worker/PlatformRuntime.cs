using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Platform.Activities;
using Platform.Binance.Trading;
using Platform.Domain.Execution;
using Platform.Domain.MarketData;
using Platform.Domain.Models;
using Platform.Kafka;
using Platform.Mlflow;
using Platform.Mlflow.Server;
using Platform.Models;
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

    private PlatformRuntime(IHost host, TemporalServerHost? temporalServer, MlflowLocalServer? mlflowServer, KafkaCluster kafka, SqlTradingStore tradingStore, TemporalClient client, TemporalEndpoint temporal, MlflowClientOptions mlflow, PlatformOptions options)
    {
        this.host = host;
        this.temporalServer = temporalServer;
        this.mlflowServer = mlflowServer;
        Kafka = kafka;
        TradingStore = tradingStore;
        Client = client;
        Temporal = temporal;
        MlflowClientOptions = mlflow;
        Options = options;
    }

    public TemporalClient Client { get; }

    /// <summary>The Temporal server the worker and <see cref="Client"/> use.</summary>
    public TemporalEndpoint Temporal { get; }

    public string TemporalAddress => Temporal.Address;

    /// <summary>The MLflow server and credentials every MLflow client of the platform uses.</summary>
    public MlflowClientOptions MlflowClientOptions { get; }

    /// <summary>The MLflow server's address, without credentials (safe to print).</summary>
    public Uri MlflowUri => MlflowClientOptions.ServerUri;

    public PlatformOptions Options { get; }

    /// <summary>The Kafka cluster: KAFKA_BOOTSTRAP_SERVERS, or the embedded broker started with the runtime.</summary>
    public KafkaCluster Kafka { get; }

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
        KafkaCluster? kafka = null;
        SqlTradingStore? tradingStore = null;
        try
        {
            tradingStore = await TradingStores.OpenAsync(options.Postgres, options.DataDirectory, cancellationToken: cancellationToken);
            kafka = KafkaConnection.FromEnvironment() is { } configured ? KafkaCluster.Connect(configured) : KafkaCluster.StartEmbedded();
            await kafka.EnsureTopicsAsync(PlatformTopics.All);
            if (kafka.IsEmbedded)
            {
                // Other platform commands (kafka topics, kafka tail) find the embedded broker through this file.
                await File.WriteAllTextAsync(options.KafkaBootstrapFile, kafka.Connection.BootstrapServers, cancellationToken);
            }

            if (options.Temporal is null)
            {
                temporalServer = await TemporalServerHost.StartAsync(
                    new TemporalServerOptions { Port = options.EmbeddedTemporalPort, DatabasePath = options.InMemoryTemporal ? null : Path.Combine(options.DataDirectory, "temporal.db") },
                    loggerFactory,
                    cancellationToken);
            }

            if (options.Mlflow is null)
            {
                mlflowServer = await MlflowLocalServer.StartAsync(new MlflowServerOptions { Port = options.EmbeddedMlflowPort, StoreDirectory = Path.Combine(options.DataDirectory, "mlflow") }, cancellationToken);
            }

            var temporal = options.Temporal ?? new TemporalEndpoint { Address = temporalServer!.TargetHost };
            var mlflow = options.Mlflow ?? new MlflowClientOptions { TrackingUri = mlflowServer!.BaseAddress };
            var connect = temporal.ToConnectOptions();
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
            builder.Services.AddHttpClient();
            builder.Services.AddMlflowClient(mlflow);
            builder.Services.AddSingleton(kafka);
            builder.Services.AddSingleton<IModelLoader>(sp => new DqnModelLoader(sp.GetRequiredService<MlflowClient>()));
            builder.Services.AddSingleton(_ => new KafkaProducer(kafka.Connection, "platform-worker"));
            if (options.RunMarketStoreWriter)
            {
                builder.Services.AddHostedService<MarketStoreWriterService>();
            }

            builder.Services.AddSingleton<IAuditLog>(_ => new JsonLinesAuditLog(data.AuditLogPath));
            builder.Services.AddSingleton<ITradingStore>(tradingStore);
            // Exchange keys from the worker's environment or secrets file (none: trading activities refuse to start).
            var exchangeKeys = BinanceCredentials.FromEnvironment();
            builder.Services.AddSingleton(sp => new TradingActivities(kafka, tradingStore, sp.GetRequiredService<IModelLoader>(), exchangeKeys, loggers: sp.GetService<ILoggerFactory>()));
            var telemetry = TelemetryOptions.FromEnvironment();
            builder.Services.AddOpenTelemetry()
                .WithTracing(t => t.AddPlatformTracing("platform-worker", telemetry))
                .WithMetrics(m => m.AddPlatformMetrics("platform-worker", telemetry));

            // Every log line of an operation carries its trace and span ids.
            builder.Services.Configure<LoggerFactoryOptions>(o => o.ActivityTrackingOptions = ActivityTrackingOptions.TraceId | ActivityTrackingOptions.SpanId);
            builder.Services
                .AddHostedTemporalWorker(temporal.Address, temporal.Namespace, options.TaskQueue)
                .ConfigureOptions(o =>
                {
                    o.ClientOptions = temporal.ToConnectOptions();
                    o.ClientOptions.Interceptors = [tracing];
                })
                .AddWorkflow<BackfillWorkflow>()
                .AddWorkflow<TrainingWorkflow>()
                .AddWorkflow<PromotionWorkflow>()
                .AddWorkflow<RollbackWorkflow>()
                .AddWorkflow<RetrainingWorkflow>()
                .AddWorkflow<MarketStreamWorkflow>()
                .AddSingletonActivities<MarketStreamActivities>()
                .AddWorkflow<LiveDecisionWorkflow>()
                .AddSingletonActivities<LiveDecisionActivities>()
                .AddWorkflow<TradingWorkflow>()
                .AddSingletonActivities<TradingActivities>()
                .AddWorkflow<SweepWorkflow>()
                .AddWorkflow<SweepTrialWorkflow>()
                .AddSingletonActivities<MarketDataActivities>()
                .AddSingletonActivities<TrainingActivities>()
                .AddSingletonActivities<RegistryActivities>()
                .AddSingletonActivities<PromotionActivities>()
                .AddSingletonActivities<SweepActivities>();
            var host = builder.Build();
            await host.StartAsync(cancellationToken);
            connect.Interceptors = [tracing];
            var client = await TemporalClient.ConnectAsync(connect);
            return new PlatformRuntime(host, temporalServer, mlflowServer, kafka, tradingStore, client, temporal, mlflow, options);
        }
        catch
        {
            kafka?.Dispose();
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

    /// <summary>A client for the platform's MLflow server, with its credentials (the caller disposes it).</summary>
    public MlflowClient CreateMlflowClient() => MlflowClient.Create(MlflowClientOptions);

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

        if (Kafka.IsEmbedded)
        {
            File.Delete(Options.KafkaBootstrapFile);
        }

        Kafka.Dispose();
    }
}
