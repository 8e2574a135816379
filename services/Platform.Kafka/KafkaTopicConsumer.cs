using Confluent.Kafka;

namespace Platform.Kafka;

/// <summary>One consumed record: its position, and either the value or why it does not match the topic's schema.</summary>
public sealed record KafkaRecord<TKey, TValue>(
    string Topic,
    int Partition,
    long Offset,
    DateTimeOffset Timestamp,
    TKey? Key,
    TValue? Value,
    byte[] RawValue,
    string? FormatError)
{
    public bool IsValid => FormatError is null;

    /// <summary>The W3C <c>traceparent</c> header the producer set: the trace this record continues.</summary>
    public string? TraceParent { get; init; }
}

/// <summary>
/// A consumer-group member reading one topic. Offsets are committed only by <see cref="Commit"/> (auto-commit off), so a
/// caller commits after it has made its records durable; a member that dies before committing leaves its records to
/// the next owner of the partition (at least once; writers upsert by key, so effectively once).
/// </summary>
public sealed class KafkaTopicConsumer<TKey, TValue> : IDisposable
{
    private readonly KafkaTopic<TKey, TValue> topic;
    private readonly IConsumer<byte[], byte[]> consumer;
    private readonly Lock assignmentGate = new();
    private readonly HashSet<int> assigned = [];
    private int rebalances;

    public KafkaTopicConsumer(KafkaConnection connection, KafkaTopic<TKey, TValue> topic, string groupId, string? clientId = null)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(topic);
        ArgumentException.ThrowIfNullOrWhiteSpace(groupId);
        this.topic = topic;
        GroupId = groupId;
        var config = connection.ApplyTo(new ConsumerConfig
        {
            GroupId = groupId,
            ClientId = clientId ?? groupId,
            EnableAutoCommit = false,
            EnableAutoOffsetStore = false,
            AutoOffsetReset = AutoOffsetReset.Earliest,
            IsolationLevel = IsolationLevel.ReadCommitted,
            PartitionAssignmentStrategy = PartitionAssignmentStrategy.RoundRobin,
            SessionTimeoutMs = connection.SessionTimeoutMs,
            HeartbeatIntervalMs = Math.Max(100, connection.SessionTimeoutMs / 6),
            FetchWaitMaxMs = connection.FetchWaitMaxMs,
        });
        consumer = new ConsumerBuilder<byte[], byte[]>(config)
            .SetPartitionsAssignedHandler((_, partitions) => ChangeAssignment(partitions, added: true))
            .SetPartitionsRevokedHandler((_, partitions) => ChangeAssignment(partitions.Select(p => p.TopicPartition), added: false))
            .SetPartitionsLostHandler((_, partitions) => ChangeAssignment(partitions.Select(p => p.TopicPartition), added: false))
            .Build();
        consumer.Subscribe(topic.Name);
    }

    public string GroupId { get; }

    /// <summary>Partitions of the topic this member owns right now.</summary>
    public IReadOnlyList<int> AssignedPartitions
    {
        get
        {
            lock (assignmentGate)
            {
                return [.. assigned.Order()];
            }
        }
    }

    /// <summary>How many times the group changed this member's assignment.</summary>
    public int Rebalances => Volatile.Read(ref rebalances);

    /// <summary>
    /// Up to <paramref name="maxRecords"/> records, waiting at most <paramref name="wait"/> for the first one and then
    /// taking only what is already fetched; ends early at a rebalance so a batch never spans two assignments.
    /// </summary>
    public IReadOnlyList<KafkaRecord<TKey, TValue>> ConsumeBatch(int maxRecords, TimeSpan wait, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxRecords, 1);
        var batch = new List<KafkaRecord<TKey, TValue>>();
        var startRebalances = Rebalances;
        var timeout = wait;
        while (batch.Count < maxRecords && Rebalances == startRebalances)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var result = consumer.Consume(timeout);
            if (result is null)
            {
                break;
            }

            if (result.IsPartitionEOF)
            {
                continue;
            }

            batch.Add(Decode(topic, result));
            timeout = TimeSpan.Zero;
        }

        ReportLag();
        return batch;
    }

    /// <summary>Records not yet consumed, per partition this member has consumed from, as of its last batch (also the <c>platform.kafka.consumer_lag</c> gauge).</summary>
    public IReadOnlyDictionary<int, long> Lag => KafkaConsumerLag.Current
        .Where(l => l.Key.Group == GroupId && l.Key.Topic == topic.Name)
        .ToDictionary(l => l.Key.Partition, l => l.Value);

    /// <summary>Consumer lag per owned partition, from the watermarks of the last fetch (no broker round trip).</summary>
    private void ReportLag()
    {
        foreach (var partition in AssignedPartitions)
        {
            var tp = new TopicPartition(topic.Name, partition);
            var high = consumer.GetWatermarkOffsets(tp).High;
            var position = consumer.Position(tp);
            if (high != Offset.Unset && position != Offset.Unset)
            {
                KafkaConsumerLag.Report(GroupId, topic.Name, partition, high.Value - position.Value);
            }
        }
    }

    /// <summary>This member's group identity, for offsets committed inside a producer's transaction.</summary>
    public IConsumerGroupMetadata GroupMetadata => consumer.ConsumerGroupMetadata;

    /// <summary>Per partition this member still owns, the position after the last of <paramref name="records"/>.</summary>
    public IReadOnlyList<TopicPartitionOffset> PositionsAfter(IEnumerable<KafkaRecord<TKey, TValue>> records)
    {
        ArgumentNullException.ThrowIfNull(records);
        var owned = AssignedPartitions.ToHashSet();
        return [.. records
            .Where(r => owned.Contains(r.Partition))
            .GroupBy(r => r.Partition)
            .Select(g => new TopicPartitionOffset(topic.Name, g.Key, g.Max(r => r.Offset) + 1))];
    }

    /// <summary>Commits, per partition, the position after the last of <paramref name="records"/>. Partitions this member lost are skipped: their new owner re-reads them.</summary>
    public void Commit(IEnumerable<KafkaRecord<TKey, TValue>> records)
    {
        var offsets = PositionsAfter(records);
        if (offsets.Count == 0)
        {
            return;
        }

        try
        {
            consumer.Commit(offsets);
        }
        catch (KafkaException e) when (e.Error.Code is ErrorCode.RebalanceInProgress or ErrorCode.IllegalGeneration or ErrorCode.UnknownMemberId)
        {
            // The group moved on while the batch was being written; the partitions' new owner re-reads and re-upserts.
        }
    }

    /// <summary>The group's committed position per partition of the topic (-1001 = nothing committed).</summary>
    public IReadOnlyDictionary<int, long> Committed(IEnumerable<int> partitions, TimeSpan timeout) =>
        consumer.Committed(partitions.Select(p => new TopicPartition(topic.Name, p)), timeout).ToDictionary(o => o.Partition.Value, o => o.Offset.Value);

    public void Dispose()
    {
        KafkaConsumerLag.Forget(GroupId, topic.Name);
        try
        {
            consumer.Close();
        }
        catch (KafkaException)
        {
            // Leaving the group is best effort; the session timeout removes a member that could not say goodbye.
        }

        consumer.Dispose();
    }

    internal static KafkaRecord<TKey, TValue> Decode(KafkaTopic<TKey, TValue> topic, ConsumeResult<byte[], byte[]> result)
    {
        var raw = result.Message.Value ?? [];
        TKey? key = default;
        TValue? value = default;
        string? error = null;
        try
        {
            key = result.Message.Key is { } k ? topic.KeySerde.Deserialize(k) : default;
            value = topic.ValueSerde.Deserialize(raw);
        }
        catch (KafkaMessageFormatException e)
        {
            error = e.Message;
        }

        return new KafkaRecord<TKey, TValue>(result.Topic, result.Partition.Value, result.Offset.Value, result.Message.Timestamp.UtcDateTime, key, value, raw, error)
        {
            TraceParent = KafkaTraceHeaders.Read(result.Message.Headers),
        };
    }

    private void ChangeAssignment(IEnumerable<TopicPartition> partitions, bool added)
    {
        lock (assignmentGate)
        {
            foreach (var p in partitions)
            {
                _ = added ? assigned.Add(p.Partition.Value) : assigned.Remove(p.Partition.Value);
            }
        }

        Interlocked.Increment(ref rebalances);
    }
}
