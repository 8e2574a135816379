using Platform.Domain;
using System.CommandLine;
using System.Globalization;
using System.Text;
using Confluent.Kafka;
using Platform.Kafka;
using Platform.Worker;
using Spectre.Console;

namespace Platform.Cli.Commands;

/// <summary>`platform kafka ...`: look at the platform's topics on KAFKA_BOOTSTRAP_SERVERS or the embedded broker of `platform up`.</summary>
internal static class KafkaCommands
{
    public static Command Create()
    {
        var kafka = new Command("kafka", "Kafka topics of the platform (KAFKA_BOOTSTRAP_SERVERS, or the embedded broker of a running `platform up`)");
        kafka.Subcommands.Add(Topics());
        kafka.Subcommands.Add(Tail());
        return kafka;
    }

    /// <summary>KAFKA_BOOTSTRAP_SERVERS when set, else the embedded broker a running platform announced in its data directory.</summary>
    internal static KafkaConnection Connection(string dataDirectory)
    {
        if (KafkaConnection.FromEnvironment() is { } configured)
        {
            return configured;
        }

        var file = new PlatformOptions { DataDirectory = dataDirectory }.KafkaBootstrapFile;
        return File.Exists(file)
            ? new KafkaConnection { BootstrapServers = File.ReadAllText(file).Trim() }
            : throw new InvalidRequestException($"no Kafka cluster: start the platform with ./platform up (its embedded broker is announced in {file}) or set KAFKA_BOOTSTRAP_SERVERS");
    }

    private static Command Topics()
    {
        var data = LifecycleCommands.DataDirectory();
        var command = new Command("topics", "List topics with partitions and record counts") { data };
        command.SetAction((parse, cancellationToken) => CliRunner.RunAsync(() =>
        {
            var connection = Connection(parse.GetValue(data)!);
            var known = PlatformTopics.All.ToDictionary(t => t.Name, t => t.Purpose, StringComparer.Ordinal);
            var table = new Table().AddColumns("Topic", "Partitions", "Records", "Purpose");
            foreach (var topic in new KafkaTopicAdmin(connection).Describe())
            {
                table.AddRow(Markup.Escape(topic.Name), topic.Partitions.ToString(CultureInfo.InvariantCulture), topic.Records.ToString("N0", CultureInfo.InvariantCulture), Markup.Escape(known.GetValueOrDefault(topic.Name, "")));
            }

            AnsiConsole.MarkupLineInterpolated(CultureInfo.InvariantCulture, $"Kafka: {connection}");
            AnsiConsole.Write(table);
            return Task.FromResult(0);
        }));
        return command;
    }

    private static Command Tail()
    {
        var data = LifecycleCommands.DataDirectory();
        var topic = new Argument<string>("TOPIC") { Description = "Topic name, e.g. market.klines.1h or market.klines.dlq" };
        var fromBeginning = new Option<bool>("--from-beginning") { Description = "Start at the oldest record instead of the newest" };
        var max = new Option<int?>("--max") { Description = "Stop after this many records (default: until Ctrl+C)" };
        var command = new Command("tail", "Print a topic's records as they arrive: partition, offset, key and value") { topic, data, fromBeginning, max };
        command.SetAction((parse, cancellationToken) => CliRunner.RunAsync(() =>
        {
            var connection = Connection(parse.GetValue(data)!);
            var name = parse.GetValue(topic)!;
            var limit = parse.GetValue(max);
            if (limit is < 1)
            {
                throw new InvalidRequestException("--max must be at least 1");
            }

            var described = new KafkaTopicAdmin(connection).Describe().FirstOrDefault(t => t.Name == name)
                ?? throw new InvalidRequestException($"topic '{name}' does not exist (see ./platform kafka topics)");
            using var consumer = new ConsumerBuilder<byte[], byte[]>(connection.ApplyTo(new ConsumerConfig { GroupId = "platform-tail", EnableAutoCommit = false })).Build();
            var start = parse.GetValue(fromBeginning) ? Offset.Beginning : Offset.End;
            consumer.Assign(described.Watermarks.Select(w => new TopicPartitionOffset(name, w.Partition, start)));
            var printed = 0;
            while (!cancellationToken.IsCancellationRequested && (limit is null || printed < limit))
            {
                var record = consumer.Consume(TimeSpan.FromMilliseconds(250));
                if (record is null || record.IsPartitionEOF)
                {
                    continue;
                }

                var key = record.Message.Key is { } k ? Encoding.UTF8.GetString(k) : "";
                var value = record.Message.Value is { } v ? Encoding.UTF8.GetString(v) : "";
                Console.WriteLine($"{record.Partition.Value}@{record.Offset.Value} {key} {value}");
                printed++;
            }

            return Task.FromResult(0);
        }));
        return command;
    }
}
