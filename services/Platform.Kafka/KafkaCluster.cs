using Platform.Domain;
namespace Platform.Kafka;

/// <summary>
/// The cluster the platform talks to: the one <c>KAFKA_BOOTSTRAP_SERVERS</c> names, or else the embedded broker started
/// here. Topics are created the way each supports (the admin API on a real cluster, the mock's own call on the
/// embedded one, which has no CreateTopics), so callers never care which it is.
/// </summary>
public sealed class KafkaCluster : IDisposable
{
    private KafkaCluster(KafkaConnection connection, EmbeddedKafkaCluster? embedded)
    {
        Connection = connection;
        Embedded = embedded;
    }

    public KafkaConnection Connection { get; }

    public EmbeddedKafkaCluster? Embedded { get; }

    public bool IsEmbedded => Embedded is not null;

    /// <summary>The configured cluster (<see cref="KafkaConnection.FromEnvironment"/>) or a new embedded one of <paramref name="embeddedBrokers"/> brokers.</summary>
    public static KafkaCluster FromEnvironmentOrEmbedded(int embeddedBrokers = 1) =>
        KafkaConnection.FromEnvironment() is { } configured ? Connect(configured) : StartEmbedded(embeddedBrokers);

    public static KafkaCluster Connect(KafkaConnection connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var errors = connection.Validate();
        return errors.Count == 0 ? new KafkaCluster(connection, null) : throw new InvalidRequestException("Invalid Kafka connection: " + string.Join("; ", errors));
    }

    public static KafkaCluster StartEmbedded(int brokers = 1)
    {
        var embedded = EmbeddedKafkaCluster.Start(brokers);
        return new KafkaCluster(embedded.Connection, embedded);
    }

    /// <summary>Creates the topics that do not exist yet; existing ones are left as they are.</summary>
    public async Task EnsureTopicsAsync(IEnumerable<KafkaTopicDefinition> topics)
    {
        ArgumentNullException.ThrowIfNull(topics);
        if (Embedded is null)
        {
            await new KafkaTopicAdmin(Connection).EnsureTopicsAsync(topics).ConfigureAwait(false);
            return;
        }

        var existing = new KafkaTopicAdmin(Connection).Describe().Select(t => t.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var topic in topics.Where(t => !existing.Contains(t.Name)))
        {
            Embedded.CreateTopic(topic);
        }
    }

    public void Dispose() => Embedded?.Dispose();
}
