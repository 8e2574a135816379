using Microsoft.Extensions.Logging;
using Platform.TemporalServer.Hosting;
using Temporalio.Client;
using Temporalio.Worker;

namespace Platform.TemporalServer.Tests;

/// <summary>
/// One server for the conformance suite: the embedded server (in memory, free port) by default, or any real Temporal
/// server when TEMPORAL_ADDRESS is set. Tests only use what both offer.
/// </summary>
public sealed class ServerFixture : IAsyncLifetime
{
    private TemporalServerHost? _host;

    public TemporalClient Client { get; private set; } = null!;

    public string TargetHost { get; private set; } = string.Empty;

    public bool IsEmbedded => _host is not null;

    public async Task InitializeAsync()
    {
        var address = Environment.GetEnvironmentVariable("TEMPORAL_ADDRESS");
        if (string.IsNullOrEmpty(address))
        {
            var options = new TemporalServerOptions { Port = 0 };
            // TEMPORAL_SERVER_LOG=1 prints the server's log (debugging aid).
            var loggerFactory = Environment.GetEnvironmentVariable("TEMPORAL_SERVER_LOG") == "1"
                ? LoggerFactory.Create(b => b.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Debug).AddFilter("Microsoft", LogLevel.Warning).AddFilter("Grpc", LogLevel.Warning))
                : null;
            _host = await TemporalServerHost.StartAsync(options, loggerFactory);
            address = _host.TargetHost;
        }

        TargetHost = address;
        var connect = new TemporalClientConnectOptions(address) { Namespace = "default" };
        if (Environment.GetEnvironmentVariable("TEMPORAL_CORE_LOG") is { Length: > 0 } coreLevel)
        {
            connect.Runtime = new Temporalio.Runtime.TemporalRuntime(new()
            {
                Telemetry = new() { Logging = new() { Filter = new(Enum.Parse<Temporalio.Runtime.TelemetryFilterOptions.Level>(coreLevel)) } },
            });
        }

        Client = await TemporalClient.ConnectAsync(connect);
    }

    public async Task DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }
    }

    /// <summary>A worker on a fresh task queue so tests never see each other's tasks.</summary>
    public TemporalWorker NewWorker(out string taskQueue, Action<TemporalWorkerOptions> configure)
    {
        taskQueue = $"tq-{Guid.NewGuid():N}";
        var options = new TemporalWorkerOptions(taskQueue);
        configure(options);
        return new TemporalWorker(Client, options);
    }
}

[CollectionDefinition(Name)]
public sealed class ServerGroup : ICollectionFixture<ServerFixture>
{
    public const string Name = "Temporal server";
}
