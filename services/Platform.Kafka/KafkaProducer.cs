using Platform.Domain;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using Confluent.Kafka;

namespace Platform.Kafka;

/// <summary>A record the broker did not acknowledge: topic, the broker's or client's error, and whether the producer is now unusable.</summary>
public sealed class KafkaDeliveryException(string topic, Error error, Exception? inner = null)
    : Exception($"Kafka did not acknowledge a record on '{topic}': {error.Reason} ({error.Code}{(error.IsFatal ? ", fatal" : string.Empty)})", inner)
{
    public string Topic { get; } = topic;

    public ErrorCode Code { get; } = error.Code;

    public bool IsFatal { get; } = error.IsFatal;
}

/// <summary>Where an acknowledged record landed.</summary>
public readonly record struct KafkaDelivery(string Topic, int Partition, long Offset, DateTimeOffset Timestamp);

/// <summary>
/// The platform's producer, one per process and shared by every topic: idempotent (<c>enable.idempotence</c>,
/// <c>acks=all</c>, so retries never duplicate or reorder a partition), a publish completes only on the broker's
/// acknowledgement, and a failed delivery surfaces as <see cref="KafkaDeliveryException"/>. With a transactional id it
/// also writes transactions (<see cref="BeginTransaction"/> … <see cref="CommitTransaction()"/>).
/// </summary>
public sealed class KafkaProducer : IDisposable
{
    public static readonly ActivitySource ActivitySource = new("Platform.Kafka");
    private static readonly Meter Meter = new("Platform.Kafka");
    private static readonly Counter<long> Produced = Meter.CreateCounter<long>("platform.kafka.produced", "{record}");
    private static readonly Counter<long> Failed = Meter.CreateCounter<long>("platform.kafka.produce_failed", "{record}");

    private readonly IProducer<byte[], byte[]> producer;

    public KafkaProducer(KafkaConnection connection, string clientId, string? transactionalId = null, TimeSpan? linger = null, TimeSpan? deliveryTimeout = null)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var errors = connection.Validate();
        if (errors.Count > 0)
        {
            throw new InvalidRequestException("Invalid Kafka connection: " + string.Join("; ", errors));
        }

        var config = connection.ApplyTo(new ProducerConfig
        {
            ClientId = clientId,
            Acks = Acks.All,
            EnableIdempotence = true,
            MaxInFlight = 5,
            LingerMs = (linger ?? TimeSpan.FromMilliseconds(1)).TotalMilliseconds,
            CompressionType = CompressionType.Lz4,
            MessageTimeoutMs = (int)(deliveryTimeout ?? TimeSpan.FromSeconds(30)).TotalMilliseconds,
            TransactionalId = transactionalId,
            // A transaction that starts while the broker still writes the last one's markers is told to retry
            // (CONCURRENT_TRANSACTIONS); the default 100 ms backoff would add that to every such hour's latency.
            RetryBackoffMs = 2,
            RetryBackoffMaxMs = 200,
        });
        producer = new ProducerBuilder<byte[], byte[]>(config)
            .SetErrorHandler((_, error) => LastError = error)
            .Build();
        if (transactionalId is not null)
        {
            producer.InitTransactions(TimeSpan.FromSeconds(30));
        }
    }

    /// <summary>The last error librdkafka reported outside a delivery (e.g. brokers unreachable); null while healthy.</summary>
    public Error? LastError { get; private set; }

    /// <summary>Publishes one record and completes when the broker acknowledged it (all in-sync replicas).</summary>
    public async Task<KafkaDelivery> ProduceAsync<TKey, TValue>(KafkaTopic<TKey, TValue> topic, TKey key, TValue value, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(topic);
        using var activity = ActivitySource.StartActivity("produce " + topic.Name, ActivityKind.Producer);
        activity?.SetTag("messaging.system", "kafka");
        activity?.SetTag("messaging.destination.name", topic.Name);
        var message = new Message<byte[], byte[]> { Key = topic.KeySerde.Serialize(key), Value = topic.ValueSerde.Serialize(value), Headers = KafkaTraceHeaders.For(Activity.Current) };
        try
        {
            var result = await producer.ProduceAsync(topic.Name, message, cancellationToken).ConfigureAwait(false);
            Produced.Add(1, new KeyValuePair<string, object?>("topic", topic.Name));
            return new KafkaDelivery(result.Topic, result.Partition.Value, result.Offset.Value, result.Timestamp.UtcDateTime);
        }
        catch (ProduceException<byte[], byte[]> e)
        {
            Failed.Add(1, new KeyValuePair<string, object?>("topic", topic.Name));
            throw new KafkaDeliveryException(topic.Name, e.Error, e);
        }
    }

    /// <summary>Waits until every record handed over so far is acknowledged or failed.</summary>
    public void Flush(TimeSpan timeout)
    {
        var remaining = producer.Flush(timeout);
        if (remaining > 0)
        {
            throw new TimeoutException($"{remaining} Kafka record(s) still unacknowledged after {timeout.TotalSeconds:0.#} s");
        }
    }

    public void BeginTransaction() => producer.BeginTransaction();

    public void CommitTransaction() => producer.CommitTransaction(TimeSpan.FromSeconds(30));

    /// <summary>
    /// Read-process-write: commits the open transaction together with the consumer group's positions, so the records
    /// produced and the input they came from become visible — or are discarded — as one.
    /// </summary>
    public void CommitTransaction(IReadOnlyList<TopicPartitionOffset> consumedPositions, IConsumerGroupMetadata group)
    {
        ArgumentNullException.ThrowIfNull(consumedPositions);
        ArgumentNullException.ThrowIfNull(group);
        if (consumedPositions.Count > 0)
        {
            producer.SendOffsetsToTransaction(consumedPositions, group, TimeSpan.FromSeconds(30));
        }

        producer.CommitTransaction(TimeSpan.FromSeconds(30));
    }

    public void AbortTransaction() => producer.AbortTransaction(TimeSpan.FromSeconds(30));

    public void Dispose()
    {
        producer.Flush(TimeSpan.FromSeconds(10));
        producer.Dispose();
    }
}
