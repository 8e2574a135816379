using Platform.Domain.Execution;
using Platform.Kafka;
using Platform.Storage;

namespace Platform.TestSupport;

/// <summary>
/// The streaming path's surroundings for one test: a fresh embedded broker with the platform's topics (the services'
/// topic names are fixed, so tests never share a cluster), a market store and its writer running, and a producer.
/// </summary>
public sealed class KafkaTestBed : IAsyncDisposable
{
    private readonly CancellationTokenSource stopWriter = new();
    private readonly Task writing;

    private KafkaTestBed(KafkaCluster kafka)
    {
        Kafka = kafka;
        Producer = new KafkaProducer(kafka.Connection, "test-stream");
        Writer = new MarketStoreWriter(kafka.Connection, Store, Producer);
        writing = Task.Run(() => Writer.RunAsync(stopWriter.Token));
    }

    public KafkaCluster Kafka { get; }

    public InMemoryMarketDataStore Store { get; } = new();

    public KafkaProducer Producer { get; }

    public MarketStoreWriter Writer { get; }

    public static async Task<KafkaTestBed> StartAsync(params KafkaTopicDefinition[] moreTopics)
    {
        var kafka = KafkaCluster.StartEmbedded();
        await kafka.EnsureTopicsAsync([.. PlatformTopics.All, .. moreTopics]);
        return new KafkaTestBed(kafka);
    }

    /// <summary>Closed klines of both test symbols for hours [<paramref name="fromHour"/>, <paramref name="toHour"/>), in both orders within an hour.</summary>
    public async Task PublishKlinesAsync(int fromHour, int toHour)
    {
        for (var hour = fromHour; hour < toHour; hour++)
        {
            foreach (var symbol in hour % 2 == 0 ? new[] { "BTCUSDT", "ETHUSDT" } : ["ETHUSDT", "BTCUSDT"])
            {
                await PublishKlineAsync(symbol, hour);
            }
        }
    }

    public Task PublishKlineAsync(string symbol, int hour) =>
        Producer.ProduceAsync(PlatformTopics.KlinesOneHour, symbol, StreamingTestData.Streamed(symbol, hour));

    /// <summary>Every committed decision on <c>decisions</c>, in order.</summary>
    public List<TradingDecision> Decisions() =>
        [.. KafkaTopicReader.ReadToEnd(Kafka.Connection, PlatformTopics.Decisions).Select(r => r.Value!)];

    public async ValueTask DisposeAsync()
    {
        await stopWriter.CancelAsync();
        await writing;
        Writer.Dispose();
        Producer.Dispose();
        Kafka.Dispose();
        stopWriter.Dispose();
    }
}
