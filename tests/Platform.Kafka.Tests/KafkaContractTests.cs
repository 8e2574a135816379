namespace Platform.Kafka.Tests;

/// <summary>What the platform relies on from Kafka; runs against the embedded broker or KAFKA_BOOTSTRAP_SERVERS.</summary>
[Collection(KafkaSuite.Name)]
public sealed class KafkaContractTests(KafkaClusterFixture cluster)
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Produce_ThenConsume_ReturnsEveryRecordInOrderPerKey()
    {
        var topic = await cluster.NewTopicAsync(TextSerde.Instance);
        using var producer = new KafkaProducer(cluster.Connection, "contract");
        var deliveries = new List<KafkaDelivery>();
        foreach (var i in Enumerable.Range(0, 60))
        {
            deliveries.Add(await producer.ProduceAsync(topic, $"key-{i % 4}", $"value-{i}"));
        }

        using var consumer = new KafkaTopicConsumer<string, string>(cluster.Connection, topic, "g-" + Guid.NewGuid().ToString("N"));
        var records = ConsumeAtLeast(consumer, 60);

        Assert.Equal(60, records.Count);
        Assert.All(deliveries, d => Assert.Equal(topic.Name, d.Topic));
        foreach (var key in records.GroupBy(r => r.Key))
        {
            Assert.Single(key.Select(r => r.Partition).Distinct());
            var values = key.Select(r => int.Parse(r.Value!["value-".Length..], System.Globalization.CultureInfo.InvariantCulture)).ToList();
            Assert.Equal(values.Order(), values);
        }
    }

    [Fact]
    public async Task ConsumeBatch_PartOfAPartition_ReportsTheRestAsLag()
    {
        var topic = await cluster.NewTopicAsync(TextSerde.Instance);
        using var producer = new KafkaProducer(cluster.Connection, "contract");
        foreach (var i in Enumerable.Range(0, 50))
        {
            await producer.ProduceAsync(topic, "one-key", $"value-{i}");
        }

        using var consumer = new KafkaTopicConsumer<string, string>(cluster.Connection, topic, "g-" + Guid.NewGuid().ToString("N"));
        var consumed = 0;
        var deadline = DateTime.UtcNow + Wait;
        while (consumed < 20 && DateTime.UtcNow < deadline)
        {
            consumed += consumer.ConsumeBatch(20 - consumed, TimeSpan.FromMilliseconds(200)).Count;
        }

        Assert.Equal(20, consumed);
        Assert.Equal(30, Assert.Single(consumer.Lag).Value);
    }

    [Fact]
    public async Task Consume_UncommittedRecords_AreRedeliveredToTheNextMember()
    {
        var topic = await cluster.NewTopicAsync(TextSerde.Instance, partitions: 1);
        using var producer = new KafkaProducer(cluster.Connection, "contract");
        foreach (var i in Enumerable.Range(0, 10))
        {
            await producer.ProduceAsync(topic, "k", $"v{i}");
        }

        var group = "g-" + Guid.NewGuid().ToString("N");
        using (var first = new KafkaTopicConsumer<string, string>(cluster.Connection, topic, group))
        {
            var read = ConsumeAtLeast(first, 10);
            first.Commit(read.Take(4));
        }

        using var second = new KafkaTopicConsumer<string, string>(cluster.Connection, topic, group);
        var again = ConsumeAtLeast(second, 6);

        Assert.Equal(["v4", "v5", "v6", "v7", "v8", "v9"], again.Select(r => r.Value));
        second.Commit(again);
        Assert.Equal(10, second.Committed([0], Wait)[0]);
    }

    [Fact]
    public async Task ConsumerGroup_SecondMemberJoins_PartitionsAreSharedWithoutOverlap()
    {
        var topic = await cluster.NewTopicAsync(TextSerde.Instance, partitions: 6);
        using var producer = new KafkaProducer(cluster.Connection, "contract");
        foreach (var i in Enumerable.Range(0, 120))
        {
            await producer.ProduceAsync(topic, $"key-{i}", $"v{i}");
        }

        var group = "g-" + Guid.NewGuid().ToString("N");
        using var first = new KafkaTopicConsumer<string, string>(cluster.Connection, topic, group, "first");
        WaitUntil(() => { first.ConsumeBatch(1, TimeSpan.FromMilliseconds(100)); return first.AssignedPartitions.Count == 6; });
        using var second = new KafkaTopicConsumer<string, string>(cluster.Connection, topic, group, "second");
        WaitUntil(() =>
        {
            first.ConsumeBatch(1, TimeSpan.FromMilliseconds(50));
            second.ConsumeBatch(1, TimeSpan.FromMilliseconds(50));
            return first.AssignedPartitions.Count + second.AssignedPartitions.Count == 6 && second.AssignedPartitions.Count > 0 && first.AssignedPartitions.Count > 0;
        });

        Assert.Empty(first.AssignedPartitions.Intersect(second.AssignedPartitions));
        Assert.Equal(Enumerable.Range(0, 6), first.AssignedPartitions.Union(second.AssignedPartitions).Order());
        Assert.True(first.Rebalances >= 2, $"the first member saw {first.Rebalances} assignment changes");
    }

    [Fact]
    public async Task IdempotentProducer_ConcurrentPublishes_EachRecordLandsExactlyOnce()
    {
        var topic = await cluster.NewTopicAsync(TextSerde.Instance, partitions: 1);
        using var producer = new KafkaProducer(cluster.Connection, "contract");

        var deliveries = await Task.WhenAll(Enumerable.Range(0, 2_000).Select(i => producer.ProduceAsync(topic, "k", $"v{i}")));
        using var consumer = new KafkaTopicConsumer<string, string>(cluster.Connection, topic, "g-" + Guid.NewGuid().ToString("N"));
        var records = ConsumeAtLeast(consumer, 2_000);

        Assert.Equal(Enumerable.Range(0, 2_000).Select(i => (long)i), deliveries.Select(d => d.Offset).Order());
        Assert.Equal(Enumerable.Range(0, 2_000).Select(i => $"v{i}"), records.Select(r => r.Value));
    }

    [Fact]
    public async Task Transactions_CommittedRecords_AreReadAfterCommit()
    {
        var topic = await cluster.NewTopicAsync(TextSerde.Instance, partitions: 1);
        using var producer = new KafkaProducer(cluster.Connection, "contract-tx", transactionalId: "tx-" + Guid.NewGuid().ToString("N"));
        producer.BeginTransaction();
        await producer.ProduceAsync(topic, "k", "first");
        await producer.ProduceAsync(topic, "k", "second");
        producer.CommitTransaction();

        using var consumer = new KafkaTopicConsumer<string, string>(cluster.Connection, topic, "g-" + Guid.NewGuid().ToString("N"));
        var records = ConsumeAtLeast(consumer, 2);

        Assert.Equal(["first", "second"], records.Select(r => r.Value));
    }

    [Fact]
    public async Task Transactions_AbortedRecords_AreInvisibleToReadCommitted()
    {
        // librdkafka's mock cluster runs the transaction protocol but does not filter aborted batches in fetches,
        // so this half of the contract is checked against a real cluster only.
        if (cluster.Cluster.IsEmbedded)
        {
            return;
        }

        var topic = await cluster.NewTopicAsync(TextSerde.Instance, partitions: 1);
        using var producer = new KafkaProducer(cluster.Connection, "contract-tx", transactionalId: "tx-" + Guid.NewGuid().ToString("N"));
        producer.BeginTransaction();
        await producer.ProduceAsync(topic, "k", "aborted");
        producer.AbortTransaction();
        producer.BeginTransaction();
        await producer.ProduceAsync(topic, "k", "committed");
        producer.CommitTransaction();

        using var consumer = new KafkaTopicConsumer<string, string>(cluster.Connection, topic, "g-" + Guid.NewGuid().ToString("N"));
        var records = ConsumeAtLeast(consumer, 1);

        Assert.Equal(["committed"], records.Select(r => r.Value));
    }

    [Fact]
    public async Task Produce_UnreachableCluster_FailsWithDeliveryException()
    {
        var topic = await cluster.NewTopicAsync(TextSerde.Instance, partitions: 1);
        using var producer = new KafkaProducer(new KafkaConnection { BootstrapServers = "127.0.0.1:1" }, "contract", deliveryTimeout: TimeSpan.FromSeconds(1));

        var failure = await Assert.ThrowsAsync<KafkaDeliveryException>(() => producer.ProduceAsync(topic, "k", "v"));

        Assert.Equal(topic.Name, failure.Topic);
        Assert.Contains(topic.Name, failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Consume_RecordNotMatchingSchema_ReportsTheReasonAndTheRawValue()
    {
        var raw = await cluster.NewTopicAsync(TextSerde.Instance, partitions: 1);
        using var producer = new KafkaProducer(cluster.Connection, "contract");
        await producer.ProduceAsync(raw, "BTCUSDT", "{\"schema\":\"platform.market.kline\",\"version\":9}");
        var typed = new KafkaTopic<string, Platform.Domain.MarketData.StreamedKline>(raw.Definition, Utf8StringSerde.Instance, StreamedKlineSerde.Instance);

        using var consumer = new KafkaTopicConsumer<string, Platform.Domain.MarketData.StreamedKline>(cluster.Connection, typed, "g-" + Guid.NewGuid().ToString("N"));
        var record = Assert.Single(ConsumeAtLeast(consumer, 1));

        Assert.False(record.IsValid);
        Assert.Contains("version 9 is not supported", record.FormatError, StringComparison.Ordinal);
        Assert.Contains("\"version\":9", System.Text.Encoding.UTF8.GetString(record.RawValue), StringComparison.Ordinal);
    }

    internal static List<KafkaRecord<string, T>> ConsumeAtLeast<T>(KafkaTopicConsumer<string, T> consumer, int count)
    {
        var records = new List<KafkaRecord<string, T>>();
        var deadline = DateTime.UtcNow + Wait;
        while (records.Count < count && DateTime.UtcNow < deadline)
        {
            records.AddRange(consumer.ConsumeBatch(count - records.Count, TimeSpan.FromMilliseconds(200)));
        }

        // Anything beyond the expected count would be a duplicate: give it a moment to show up.
        records.AddRange(consumer.ConsumeBatch(1_000, TimeSpan.FromMilliseconds(300)));
        return records;
    }

    private static void WaitUntil(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + Wait;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "condition not reached in time");
        }
    }
}
