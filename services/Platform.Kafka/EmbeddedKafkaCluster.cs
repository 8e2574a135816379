using System.Runtime.InteropServices;

namespace Platform.Kafka;

/// <summary>
/// The embedded broker: librdkafka's mock cluster, in this process, listening on loopback and speaking the Kafka wire
/// protocol, so producers, consumers, consumer groups, idempotence and transactions run exactly as against a real
/// cluster. It keeps everything in memory: when the process ends the topics are gone. The market store is the durable
/// record; a restarted stream recovers by the gap backfill, not from the broker.
/// </summary>
public sealed class EmbeddedKafkaCluster : IDisposable
{
    private readonly Lock gate = new();
    private IntPtr handle;
    private IntPtr cluster;

    private EmbeddedKafkaCluster(IntPtr handle, IntPtr cluster, string bootstrapServers, int brokerCount)
    {
        this.handle = handle;
        this.cluster = cluster;
        BootstrapServers = bootstrapServers;
        BrokerCount = brokerCount;
    }

    /// <summary>host:port list of the mock brokers (127.0.0.1, ephemeral ports).</summary>
    public string BootstrapServers { get; }

    public int BrokerCount { get; }

    public KafkaConnection Connection => new() { BootstrapServers = BootstrapServers, FetchWaitMaxMs = 2, SessionTimeoutMs = 3_000 };

    /// <summary>Starts a mock cluster of <paramref name="brokerCount"/> brokers and creates <paramref name="topics"/>.</summary>
    public static EmbeddedKafkaCluster Start(int brokerCount = 1, IEnumerable<KafkaTopicDefinition>? topics = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(brokerCount, 1);
        var error = new byte[512];
        var conf = LibrdkafkaNative.ConfNew();
        // The owning handle never connects anywhere; it only hosts the mock cluster's thread.
        if (LibrdkafkaNative.ConfSet(conf, "log_level", "3", error, (nuint)error.Length) != 0)
        {
            LibrdkafkaNative.ConfDestroy(conf);
            throw new InvalidOperationException("librdkafka configuration failed: " + LibrdkafkaNative.Text(error));
        }

        var handle = LibrdkafkaNative.KafkaNew(LibrdkafkaNative.ProducerType, conf, error, (nuint)error.Length);
        if (handle == IntPtr.Zero)
        {
            LibrdkafkaNative.ConfDestroy(conf);
            throw new InvalidOperationException("librdkafka could not create the handle for the embedded broker: " + LibrdkafkaNative.Text(error));
        }

        var cluster = LibrdkafkaNative.MockClusterNew(handle, brokerCount);
        if (cluster == IntPtr.Zero)
        {
            LibrdkafkaNative.KafkaDestroy(handle);
            throw new InvalidOperationException("librdkafka could not start its mock cluster (is loopback available?).");
        }

        // Real brokers wait 3 s for more members before the first rebalance; on one machine that is only delay.
        LibrdkafkaNative.MockGroupInitialRebalanceDelayMs(cluster, 0);
        // Without a controller the mock answers metadata with none, and admin requests (CreateTopics) wait forever.
        var controller = LibrdkafkaNative.MockSetControllerId(cluster, 1);
        if (controller != 0)
        {
            LibrdkafkaNative.MockClusterDestroy(cluster);
            LibrdkafkaNative.KafkaDestroy(handle);
            throw new InvalidOperationException("embedded broker could not elect a controller: " + LibrdkafkaNative.ErrorText(controller));
        }

        var bootstraps = Marshal.PtrToStringUTF8(LibrdkafkaNative.MockClusterBootstraps(cluster)) ?? throw new InvalidOperationException("mock cluster has no bootstrap address");
        var embedded = new EmbeddedKafkaCluster(handle, cluster, bootstraps, brokerCount);
        foreach (var topic in topics ?? [])
        {
            embedded.CreateTopic(topic);
        }

        return embedded;
    }

    /// <summary>Creates a topic (replication capped by the broker count); creating an existing topic is an error of librdkafka's, reported.</summary>
    public void CreateTopic(KafkaTopicDefinition topic)
    {
        ArgumentNullException.ThrowIfNull(topic);
        lock (gate)
        {
            ObjectDisposedException.ThrowIf(cluster == IntPtr.Zero, this);
            var result = LibrdkafkaNative.MockTopicCreate(cluster, topic.Name, topic.Partitions, Math.Min(topic.ReplicationFactor, BrokerCount));
            if (result != 0)
            {
                throw new InvalidOperationException($"embedded broker could not create topic '{topic.Name}': {LibrdkafkaNative.ErrorText(result)}");
            }
        }
    }

    public void Dispose()
    {
        lock (gate)
        {
            if (cluster != IntPtr.Zero)
            {
                LibrdkafkaNative.MockClusterDestroy(cluster);
                cluster = IntPtr.Zero;
            }

            if (handle != IntPtr.Zero)
            {
                LibrdkafkaNative.KafkaDestroy(handle);
                handle = IntPtr.Zero;
            }
        }
    }
}
