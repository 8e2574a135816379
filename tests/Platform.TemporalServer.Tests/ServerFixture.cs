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
            _host = await TemporalServerHost.StartAsync(options);
            address = _host.TargetHost;
        }

        TargetHost = address;
        Client = await TemporalClient.ConnectAsync(new TemporalClientConnectOptions(address) { Namespace = "default" });
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
