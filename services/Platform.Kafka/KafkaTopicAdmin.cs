using Confluent.Kafka;
using Confluent.Kafka.Admin;

namespace Platform.Kafka;

/// <summary>A topic as the cluster reports it: partitions and how many records each holds (high − low watermark).</summary>
public sealed record KafkaTopicStatus(string Name, int Partitions, long Records, IReadOnlyList<(int Partition, long Low, long High)> Watermarks);

/// <summary>Creates the platform's topics (existing ones are left as they are) and reports what a cluster holds.</summary>
public sealed class KafkaTopicAdmin(KafkaConnection connection)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);

    public async Task EnsureTopicsAsync(IEnumerable<KafkaTopicDefinition> topics)
    {
        ArgumentNullException.ThrowIfNull(topics);
        using var admin = new AdminClientBuilder(connection.ApplyTo(new AdminClientConfig())).Build();
        var existing = admin.GetMetadata(Timeout).Topics.Where(t => t.Error.Code == ErrorCode.NoError).Select(t => t.Topic).ToHashSet();
        var missing = topics.Where(t => !existing.Contains(t.Name))
            .Select(t => new TopicSpecification { Name = t.Name, NumPartitions = t.Partitions, ReplicationFactor = connection.ReplicationFactor })
            .ToList();
        if (missing.Count == 0)
        {
            return;
        }

        try
        {
            await admin.CreateTopicsAsync(missing, new CreateTopicsOptions { RequestTimeout = Timeout }).ConfigureAwait(false);
        }
        catch (CreateTopicsException e)
        {
            var failures = e.Results.Where(r => r.Error.Code is not ErrorCode.NoError and not ErrorCode.TopicAlreadyExists).ToList();
            if (failures.Count > 0)
            {
                throw new InvalidOperationException("Kafka could not create topics: " + string.Join("; ", failures.Select(r => $"{r.Topic}: {r.Error.Reason}")), e);
            }
        }
    }

    /// <summary>The partitions <paramref name="topic"/> has (0 when it does not exist).</summary>
    public int PartitionCount(string topic)
    {
        using var admin = new AdminClientBuilder(connection.ApplyTo(new AdminClientConfig())).Build();
        var metadata = admin.GetMetadata(topic, Timeout).Topics.FirstOrDefault(t => t.Topic == topic);
        return metadata is { Error.Code: ErrorCode.NoError } ? metadata.Partitions.Count : 0;
    }

    /// <summary>Every non-internal topic of the cluster with its record counts.</summary>
    public IReadOnlyList<KafkaTopicStatus> Describe()
    {
        using var admin = new AdminClientBuilder(connection.ApplyTo(new AdminClientConfig())).Build();
        var metadata = admin.GetMetadata(Timeout);
        using var consumer = new ConsumerBuilder<Ignore, Ignore>(connection.ApplyTo(new ConsumerConfig { GroupId = "platform-admin", EnableAutoCommit = false })).Build();
        return metadata.Topics
            .Where(t => t.Error.Code == ErrorCode.NoError && !t.Topic.StartsWith("__", StringComparison.Ordinal))
            .OrderBy(t => t.Topic, StringComparer.Ordinal)
            .Select(t =>
            {
                var marks = t.Partitions.OrderBy(p => p.PartitionId)
                    .Select(p => (p.PartitionId, consumer.QueryWatermarkOffsets(new TopicPartition(t.Topic, p.PartitionId), Timeout)))
                    .Select(x => (x.PartitionId, x.Item2.Low.Value, x.Item2.High.Value))
                    .ToList();
                return new KafkaTopicStatus(t.Topic, t.Partitions.Count, marks.Sum(m => m.Item3 - m.Item2), marks);
            })
            .ToList();
    }
}
