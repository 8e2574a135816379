using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Platform.Binance;
using Platform.Domain.MarketData;
using Platform.Exchange.Simulator;
using Platform.Exchange.Simulator.Benchmarking;
using Platform.Kafka;
using Platform.Storage;

namespace Platform.Cli.Commands;

/// <summary>
/// `platform bench stream`: the live path end to end on this machine — simulator (WebSocket) → stream session →
/// Kafka (embedded broker, idempotent producer, acks=all) → market-store-writer → market store — plus the latency from
/// a closed kline's arrival at the client to the broker's acknowledgement, at full speed and paced.
/// </summary>
internal static class StreamBench
{
    public static async Task<int> RunAsync(string data, IReadOnlyList<string> symbols, DateTimeOffset from, DateTimeOffset to, bool duckDb, double pacedHoursPerSecond, int pacedDays, CancellationToken cancellationToken)
    {
        using var kafka = KafkaCluster.FromEnvironmentOrEmbedded();
        // Own topics per run so a real cluster's earlier records never count.
        var run = Guid.NewGuid().ToString("N")[..8];
        await kafka.EnsureTopicsAsync(PlatformTopics.All);
        var directory = Directory.CreateTempSubdirectory("platform-bench-stream-").FullName;
        try
        {
            IMarketDataStore store = duckDb ? new DuckDbMarketDataStore(Path.Combine(directory, "market.duckdb")) : new InMemoryMarketDataStore();
            using var producer = new KafkaProducer(kafka.Connection, "bench-stream");
            using var writer = new MarketStoreWriter(kafka.Connection, store, producer, groupId: $"bench-stream-{run}");
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var writing = Task.Factory.StartNew(() => writer.RunAsync(stop.Token), stop.Token, TaskCreationOptions.LongRunning, TaskScheduler.Default).Unwrap();

            var fullSpeed = new LatencySink(new KafkaKlineSink(producer));
            var watch = Stopwatch.StartNew();
            var streamed = await StreamBenchmark.RunAsync(data, symbols, from, to, fullSpeed, cancellationToken: cancellationToken);
            var inKafkaSeconds = watch.Elapsed.TotalSeconds;
            // Inserted counts only after the store's write (a fresh store: once per distinct kline); the consumed-record
            // count runs ahead of the write and would stop the clock early.
            while (writer.Stats.Inserted < streamed.ClosedKlines && !writing.IsCompleted)
            {
                await Task.Delay(2, cancellationToken);
            }

            var endToEndSeconds = watch.Elapsed.TotalSeconds;
            var stored = (await store.ListAsync(cancellationToken)).Sum(s => (long)s.Count);

            var paced = await PacedLatencyAsync(data, symbols, to.AddDays(-pacedDays), to, pacedHoursPerSecond, producer, cancellationToken);
            await stop.CancelAsync();
            await writing;
            (store as IDisposable)?.Dispose();

            Console.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object>
            {
                ["symbols"] = symbols.Count,
                ["from"] = from.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                ["to"] = to.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                ["kafka"] = kafka.IsEmbedded ? "embedded" : kafka.Connection.BootstrapServers,
                ["store"] = duckDb ? "duckdb" : "memory",
                ["closed_klines"] = streamed.ClosedKlines,
                ["partial_klines"] = streamed.PartialKlines,
                ["stored_klines"] = stored,
                ["exact"] = streamed.Exact && stored == streamed.ClosedKlines,
                ["in_kafka_seconds"] = Math.Round(inKafkaSeconds, 2),
                ["end_to_end_seconds"] = Math.Round(endToEndSeconds, 2),
                ["klines_per_s_end_to_end"] = Math.Round(streamed.ClosedKlines / endToEndSeconds),
                ["records_per_s_into_kafka"] = Math.Round((streamed.ClosedKlines + streamed.PartialKlines) / inKafkaSeconds),
                ["max_speed_received_to_acked_ms_p50"] = fullSpeed.Percentile(0.50),
                ["max_speed_received_to_acked_ms_p99"] = fullSpeed.Percentile(0.99),
                ["paced_hours_per_s"] = pacedHoursPerSecond,
                ["paced_closed_klines"] = paced.Count,
                ["paced_received_to_acked_ms_p50"] = paced.Percentile(0.50),
                ["paced_received_to_acked_ms_p99"] = paced.Percentile(0.99),
            }));
            return 0;
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>A replay at a pace the path keeps up with, so the latency is the path's and not a queue's.</summary>
    private static async Task<LatencySink> PacedLatencyAsync(string data, IReadOnlyList<string> symbols, DateTimeOffset from, DateTimeOffset to, double hoursPerSecond, KafkaProducer producer, CancellationToken cancellationToken)
    {
        await using var simulator = await ExchangeSimulator.StartAsync(new SimulatorOptions { DataDirectory = data, From = from, To = to, Speed = new ReplaySpeed(hoursPerSecond), Port = 0 }, cancellationToken);
        var sink = new LatencySink(new KafkaKlineSink(producer));
        using var http = new HttpClient();
        var session = new BinanceKlineStreamSession(
            new BinanceRestClient(http, BinanceClientOptions.ForServer(simulator.BaseAddress)),
            new BinanceStreamOptions { Symbols = [.. symbols] },
            sink,
            (_, _, _) => ValueTask.FromResult<DateTimeOffset?>(null));
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var running = session.RunAsync(stop.Token);
        await simulator.Finished.WaitAsync(cancellationToken);
        await Task.Delay(500, cancellationToken);
        await stop.CancelAsync();
        await running;
        return sink;
    }

    /// <summary>Times each closed kline from its arrival at the client (<see cref="StreamedKline.ReceivedAt"/>) to Kafka's acknowledgement.</summary>
    private sealed class LatencySink(IKlineStreamSink inner) : IKlineStreamSink
    {
        private readonly List<double> milliseconds = [];

        public int Count
        {
            get
            {
                lock (milliseconds)
                {
                    return milliseconds.Count;
                }
            }
        }

        public async Task PublishAsync(StreamedKline kline, CancellationToken cancellationToken = default)
        {
            await inner.PublishAsync(kline, cancellationToken).ConfigureAwait(false);
            if (kline.IsClosed)
            {
                var elapsed = (DateTimeOffset.UtcNow - kline.ReceivedAt).TotalMilliseconds;
                lock (milliseconds)
                {
                    milliseconds.Add(elapsed);
                }
            }
        }

        public Task DeadLetterAsync(KlineDeadLetter letter, CancellationToken cancellationToken = default) => inner.DeadLetterAsync(letter, cancellationToken);

        public double Percentile(double p)
        {
            lock (milliseconds)
            {
                return Math.Round(Percentiles.NearestRank([.. milliseconds.Order()], p), 3);
            }
        }
    }
}
