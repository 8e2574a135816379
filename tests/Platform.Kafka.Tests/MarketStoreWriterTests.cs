using Platform.Domain.MarketData;
using Platform.Storage;

namespace Platform.Kafka.Tests;

/// <summary>The store writer against the cluster under test. Each test uses its own kline interval, so its own topic.</summary>
[Collection(KafkaSuite.Name)]
public sealed class MarketStoreWriterTests(KafkaClusterFixture cluster)
{
    private static readonly DateTimeOffset Start = new(2024, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task WriteBatch_ClosedPartialAndDuplicateKlines_StoresEachClosedKlineOnce()
    {
        var (interval, _) = await NewIntervalAsync();
        var store = new InMemoryMarketDataStore();
        using var producer = new KafkaProducer(cluster.Connection, "writer-test");
        var sink = new KafkaKlineSink(producer);
        foreach (var hour in Enumerable.Range(0, 24))
        {
            await sink.PublishAsync(Kline("BTCUSDT", interval, hour, closed: false));
            await sink.PublishAsync(Kline("BTCUSDT", interval, hour, closed: true));
            await sink.PublishAsync(Kline("ETHUSDT", interval, hour, closed: true));
        }

        await sink.PublishAsync(Kline("ETHUSDT", interval, 3, closed: true));

        using var writer = new MarketStoreWriter(cluster.Connection, store, producer, interval);
        await DrainAsync(writer, 73);

        Assert.Equal(24, (await store.ReadAsync("BTCUSDT", interval, Start, Start + (interval.Length * 1_000))).Count);
        Assert.Equal(24, (await store.ReadAsync("ETHUSDT", interval, Start, Start + (interval.Length * 1_000))).Count);
        Assert.Equal(24, writer.Stats.PartialKlines);
        Assert.Equal(48, writer.Stats.Inserted);
    }

    [Fact]
    public async Task WriteBatch_SecondGroupOverSameData_ChangesNothing()
    {
        var (interval, _) = await NewIntervalAsync();
        var store = new InMemoryMarketDataStore();
        using var producer = new KafkaProducer(cluster.Connection, "writer-test");
        var sink = new KafkaKlineSink(producer);
        foreach (var hour in Enumerable.Range(0, 10))
        {
            await sink.PublishAsync(Kline("BTCUSDT", interval, hour, closed: true));
        }

        using (var first = new MarketStoreWriter(cluster.Connection, store, producer, interval))
        {
            await DrainAsync(first, 10);
        }

        var before = await store.ReadAsync("BTCUSDT", interval, Start, Start + (interval.Length * 1_000));
        using var second = new MarketStoreWriter(cluster.Connection, store, producer, interval, groupId: "market-store-writer-rerun");
        await DrainAsync(second, 10);

        Assert.Equal(new MarketStoreWriterStats(10, 10, 0, 0, 0, 10, 0, second.Stats.Batches), second.Stats);
        Assert.Equal(before.Klines, (await store.ReadAsync("BTCUSDT", interval, Start, Start + (interval.Length * 1_000))).Klines);
    }

    [Fact]
    public async Task WriteBatch_WriterStoppedBeforeCommit_NextWriterResumesFromLastCommit()
    {
        var (interval, _) = await NewIntervalAsync();
        var store = new InMemoryMarketDataStore();
        using var producer = new KafkaProducer(cluster.Connection, "writer-test");
        var sink = new KafkaKlineSink(producer);
        foreach (var hour in Enumerable.Range(0, 5))
        {
            await sink.PublishAsync(Kline("BTCUSDT", interval, hour, closed: true));
        }

        using (var first = new MarketStoreWriter(cluster.Connection, store, producer, interval))
        {
            await DrainAsync(first, 5);
        }

        foreach (var hour in Enumerable.Range(5, 5))
        {
            await sink.PublishAsync(Kline("BTCUSDT", interval, hour, closed: true));
        }

        using var second = new MarketStoreWriter(cluster.Connection, store, producer, interval);
        await DrainAsync(second, 5);

        Assert.Equal(5, second.Stats.Records);
        Assert.Equal(10, (await store.ReadAsync("BTCUSDT", interval, Start, Start + (interval.Length * 1_000))).Count);
    }

    [Fact]
    public async Task WriteBatch_RecordNotMatchingSchema_GoesToDeadLetterTopicWithReason()
    {
        var (interval, topicName) = await NewIntervalAsync();
        var store = new InMemoryMarketDataStore();
        using var producer = new KafkaProducer(cluster.Connection, "writer-test");
        var raw = new KafkaTopic<string, string>(new KafkaTopicDefinition(topicName, 1, "test"), Utf8StringSerde.Instance, TextSerde.Instance);
        await producer.ProduceAsync(raw, "BTCUSDT", "{\"garbage\":");
        await new KafkaKlineSink(producer).PublishAsync(Kline("BTCUSDT", interval, 0, closed: true));
        await cluster.Cluster.EnsureTopicsAsync([PlatformTopics.KlineDeadLetters.Definition]);

        using var writer = new MarketStoreWriter(cluster.Connection, store, producer, interval);
        await DrainAsync(writer, 2);
        using var dlq = new KafkaTopicConsumer<string, KlineDeadLetter>(cluster.Connection, PlatformTopics.KlineDeadLetters, "g-" + Guid.NewGuid().ToString("N"));
        var letters = KafkaContractTests.ConsumeAtLeast(dlq, 1).Where(r => r.Value!.Source.StartsWith(topicName, StringComparison.Ordinal)).ToList();

        var letter = Assert.Single(letters).Value!;
        Assert.Contains("not valid JSON", letter.Reason, StringComparison.Ordinal);
        Assert.Equal("{\"garbage\":", letter.RawPayload);
        Assert.Equal(1, writer.Stats.DeadLettered);
        Assert.Equal(1, (await store.ReadAsync("BTCUSDT", interval, Start, Start + (interval.Length * 1_000))).Count);
    }

    private async Task<(KlineInterval Interval, string Topic)> NewIntervalAsync()
    {
        // A unique minute-based interval gives each test its own market.klines.<interval> topic.
        var interval = KlineInterval.Parse($"{Random.Shared.Next(100_000, 999_999)}m");
        var topic = PlatformTopics.Klines(interval);
        await cluster.Cluster.EnsureTopicsAsync([topic.Definition]);
        return (interval, topic.Name);
    }

    private static StreamedKline Kline(string symbol, KlineInterval interval, int index, bool closed)
    {
        var open = Start + (interval.Length * index);
        return new StreamedKline(symbol, interval, new Kline(open, 100m + index, 102m + index, 99m + index, 101m + index, 5m, open + interval.Length - TimeSpan.FromMilliseconds(1), 500m, 7, 2m, 200m), closed, "test", open + interval.Length);
    }

    private static async Task DrainAsync(MarketStoreWriter writer, long records)
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (writer.Stats.Records < records && DateTime.UtcNow < deadline)
        {
            await writer.WriteBatchAsync(TimeSpan.FromMilliseconds(200));
        }

        Assert.Equal(records, writer.Stats.Records);
    }
}
