using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Platform.Domain.MarketData;
using Platform.Kafka;

namespace Platform.Worker;

/// <summary>Hosts the <c>market-store-writer</c> consumer on its own thread (its consumer calls block).</summary>
public sealed partial class MarketStoreWriterService(KafkaCluster cluster, IMarketDataStore store, KafkaProducer producer, ILogger<MarketStoreWriterService> logger) : BackgroundService
{
    private MarketStoreWriter? writer;

    public MarketStoreWriterStats? Stats => writer?.Stats;

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.Factory.StartNew(
            async () =>
            {
                using var running = new MarketStoreWriter(cluster.Connection, store, producer, clientId: $"{MarketStoreWriter.GroupId}-{Environment.MachineName}-{Environment.ProcessId}");
                writer = running;
                while (!stoppingToken.IsCancellationRequested)
                {
                    try
                    {
                        await running.RunAsync(stoppingToken).ConfigureAwait(false);
                    }
                    catch (Exception e) when (e is not OperationCanceledException)
                    {
                        // A store or broker failure leaves the batch uncommitted: it is re-read after the pause.
                        WriteFailed(logger, e);
                        await Task.Delay(TimeSpan.FromSeconds(1), stoppingToken).ConfigureAwait(false);
                    }
                }
            },
            stoppingToken,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default).Unwrap();

    [LoggerMessage(Level = LogLevel.Error, Message = "market-store-writer batch failed; retrying from the last commit")]
    private static partial void WriteFailed(ILogger logger, Exception exception);
}
