using Platform.Domain.MarketData;

namespace Platform.Kafka.Tests;

/// <summary>The cluster under test: <c>KAFKA_BOOTSTRAP_SERVERS</c> when set, else the embedded broker (three mock brokers).</summary>
public sealed class KafkaClusterFixture : IDisposable
{
    public KafkaCluster Cluster { get; } = KafkaCluster.FromEnvironmentOrEmbedded(embeddedBrokers: 3);

    public KafkaConnection Connection => Cluster.Connection;

    /// <summary>A fresh topic per test, so tests never see each other's records.</summary>
    public async Task<KafkaTopic<string, TValue>> NewTopicAsync<TValue>(IKafkaSerde<TValue> serde, int partitions = 3)
    {
        var definition = new KafkaTopicDefinition($"test.{Guid.NewGuid():N}", partitions, "contract test");
        await Cluster.EnsureTopicsAsync([definition]);
        return new KafkaTopic<string, TValue>(definition, Utf8StringSerde.Instance, serde);
    }

    public static StreamedKline Kline(string symbol, int hour, bool closed = true, decimal close = 100m)
    {
        var open = new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero).AddHours(hour);
        return new StreamedKline(
            symbol,
            KlineInterval.OneHour,
            new Kline(open, close, close + 2.5m, close - 1.25m, close + 0.00000001m, 12.34567891m, open.AddHours(1).AddMilliseconds(-1), 1234.5m, 42, 6.1m, 600.00000001m),
            closed,
            "test",
            open.AddHours(1));
    }

    public void Dispose() => Cluster.Dispose();
}

[CollectionDefinition(Name)]
public sealed class KafkaSuite : ICollectionFixture<KafkaClusterFixture>
{
    public const string Name = "kafka";
}

/// <summary>A string value schema for tests that only care about transport, not kline content.</summary>
public sealed class TextSerde : IKafkaSerde<string>
{
    public static TextSerde Instance { get; } = new();

    public byte[] Serialize(string value) => System.Text.Encoding.UTF8.GetBytes(value);

    public string Deserialize(ReadOnlySpan<byte> data) => System.Text.Encoding.UTF8.GetString(data);
}
