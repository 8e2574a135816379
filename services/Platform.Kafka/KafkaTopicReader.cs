using Confluent.Kafka;

namespace Platform.Kafka;

/// <summary>
/// Reads a topic's records directly (no consumer group, nothing committed), committed records only: for a service
/// that rebuilds its state at start from what it (or its input) already published.
/// </summary>
public static class KafkaTopicReader
{
    /// <summary>
    /// Records of every partition of <paramref name="topic"/> from each partition's <paramref name="from"/> (null = the
    /// first offset kept) to its end as of now, in offset order per partition.
    /// </summary>
    public static IReadOnlyList<KafkaRecord<TKey, TValue>> ReadToEnd<TKey, TValue>(
        KafkaConnection connection,
        KafkaTopic<TKey, TValue> topic,
        Func<int, long, long, long>? from = null,
        TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(topic);
        var wait = timeout ?? TimeSpan.FromSeconds(30);
        var config = connection.ApplyTo(new ConsumerConfig
        {
            GroupId = "platform-reader-" + Guid.NewGuid().ToString("N"),
            EnableAutoCommit = false,
            IsolationLevel = IsolationLevel.ReadCommitted,
            EnablePartitionEof = true,
            FetchWaitMaxMs = connection.FetchWaitMaxMs,
        });
        using var consumer = new ConsumerBuilder<byte[], byte[]>(config).Build();
        var partitions = new KafkaTopicAdmin(connection).PartitionCount(topic.Name);
        var start = new List<TopicPartitionOffset>();
        var ends = new Dictionary<int, long>();
        for (var p = 0; p < partitions; p++)
        {
            var marks = consumer.QueryWatermarkOffsets(new TopicPartition(topic.Name, p), wait);
            var first = from?.Invoke(p, marks.Low.Value, marks.High.Value) ?? marks.Low.Value;
            first = Math.Clamp(first, marks.Low.Value, marks.High.Value);
            if (first < marks.High.Value)
            {
                start.Add(new TopicPartitionOffset(topic.Name, p, first));
                ends[p] = marks.High.Value;
            }
        }

        var records = new List<KafkaRecord<TKey, TValue>>();
        if (start.Count == 0)
        {
            return records;
        }

        consumer.Assign(start);
        var deadline = DateTime.UtcNow + wait;
        while (ends.Count > 0)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Reading '{topic.Name}' to its end took longer than {wait.TotalSeconds:0} s.");
            }

            var result = consumer.Consume(TimeSpan.FromMilliseconds(200));
            if (result is null)
            {
                continue;
            }

            var partition = result.Partition.Value;
            if (!result.IsPartitionEOF)
            {
                records.Add(KafkaTopicConsumer<TKey, TValue>.Decode(topic, result));
            }

            // Transaction markers occupy offsets too: the end is reached at EOF or at the high watermark's last offset.
            if (ends.TryGetValue(partition, out var end) && (result.IsPartitionEOF || result.Offset.Value >= end - 1))
            {
                ends.Remove(partition);
            }
        }

        return records;
    }

    /// <summary>
    /// The committed position of consumer group <paramref name="groupId"/> per partition of <paramref name="topic"/>
    /// (-1001 = nothing committed). Reads the offsets without joining the group, so its members are not rebalanced.
    /// </summary>
    public static IReadOnlyDictionary<int, long> CommittedOffsets(KafkaConnection connection, string topic, string groupId, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentException.ThrowIfNullOrWhiteSpace(topic);
        ArgumentException.ThrowIfNullOrWhiteSpace(groupId);
        var partitions = new KafkaTopicAdmin(connection).PartitionCount(topic);
        if (partitions == 0)
        {
            return new Dictionary<int, long>();
        }

        var config = connection.ApplyTo(new ConsumerConfig { GroupId = groupId, EnableAutoCommit = false });
        using var consumer = new ConsumerBuilder<byte[], byte[]>(config).Build();
        return consumer.Committed(Enumerable.Range(0, partitions).Select(p => new TopicPartition(topic, p)), timeout ?? TimeSpan.FromSeconds(30))
            .ToDictionary(o => o.Partition.Value, o => o.Offset.Value);
    }
}
