using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace Platform.Kafka;

/// <summary>
/// Consumer lag per group, topic and partition (<c>platform.kafka.consumer_lag</c>: the partition's high watermark
/// minus the member's position, as of its last fetch), reported by each consumer after each batch.
/// </summary>
internal static class KafkaConsumerLag
{
    private static readonly Meter Meter = new("Platform.Kafka.Consumers");
    private static readonly ConcurrentDictionary<(string Group, string Topic, int Partition), long> Lags = new();
    private static readonly ObservableGauge<long> Gauge = Meter.CreateObservableGauge(
        "platform.kafka.consumer_lag",
        () => Lags.Select(l => new Measurement<long>(l.Value, new("group", l.Key.Group), new("topic", l.Key.Topic), new("partition", l.Key.Partition))),
        "{record}",
        "Records of the partition not yet consumed by the group's member");

    public static void Report(string group, string topic, int partition, long lag) => Lags[(group, topic, partition)] = Math.Max(0, lag);

    public static void Forget(string group, string topic)
    {
        foreach (var key in Lags.Keys.Where(k => k.Group == group && k.Topic == topic))
        {
            Lags.TryRemove(key, out _);
        }
    }

    /// <summary>The lags reported so far (for tests and status lines).</summary>
    public static IReadOnlyDictionary<(string Group, string Topic, int Partition), long> Current => Lags;
}
