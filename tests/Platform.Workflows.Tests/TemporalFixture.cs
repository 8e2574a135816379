using Platform.TemporalServer.Hosting;
using Temporalio.Client;
using Temporalio.Worker;

namespace Platform.Workflows.Tests;

/// <summary>The embedded Temporal server (in memory, free port), or a real one when TEMPORAL_ADDRESS is set.</summary>
public sealed class TemporalFixture : IAsyncLifetime
{
    private TemporalServerHost? host;

    public TemporalClient Client { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var address = Environment.GetEnvironmentVariable("TEMPORAL_ADDRESS");
        if (string.IsNullOrEmpty(address))
        {
            host = await TemporalServerHost.StartAsync(new TemporalServerOptions { Port = 0 });
            address = host.TargetHost;
        }

        Client = await TemporalClient.ConnectAsync(new TemporalClientConnectOptions(address) { Namespace = "default" });
    }

    public async Task DisposeAsync()
    {
        if (host is not null)
        {
            await host.DisposeAsync();
        }
    }

    public TemporalWorker NewWorker(out string taskQueue, Action<TemporalWorkerOptions> configure)
    {
        taskQueue = $"tq-{Guid.NewGuid():N}";
        var options = new TemporalWorkerOptions(taskQueue);
        configure(options);
        return new TemporalWorker(Client, options);
    }
}

[CollectionDefinition(Name)]
public sealed class TemporalGroup : ICollectionFixture<TemporalFixture>
{
    public const string Name = "temporal";
}
