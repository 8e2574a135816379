using System.Diagnostics;
using Platform.Binance;
using Platform.Domain.MarketData;

namespace Platform.Exchange.Simulator.Benchmarking;

/// <summary>What one run of the simulator → Binance client path measured.</summary>
public sealed record StreamBenchmarkResult(
    int Symbols,
    DateTimeOffset From,
    DateTimeOffset To,
    long ClosedKlines,
    long PartialKlines,
    long MessagesSent,
    double Seconds,
    double ClosedKlinesPerSecond,
    double MessagesPerSecond,
    bool Exact);

/// <summary>
/// Replays a directory at <see cref="ReplaySpeed.Max"/> into a <see cref="BinanceKlineStreamSession"/> over real
/// loopback WebSocket and REST, delivering to a given sink (a counting one by default, Kafka in
/// <c>platform bench stream</c>), and reports closed klines per second and whether the sink got each exactly once.
/// </summary>
public static class StreamBenchmark
{
    public static async Task<StreamBenchmarkResult> RunAsync(string dataDirectory, IReadOnlyList<string> symbols, DateTimeOffset from, DateTimeOffset to, IKlineStreamSink? sink = null, int partialUpdatesPerKline = 3, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(symbols);
        await using var simulator = await ExchangeSimulator.StartAsync(new SimulatorOptions
        {
            DataDirectory = dataDirectory,
            From = from,
            To = to,
            Speed = ReplaySpeed.Max,
            Port = 0,
            PartialUpdatesPerKline = partialUpdatesPerKline,
        }, cancellationToken).ConfigureAwait(false);
        var counting = new CountingSink(sink);
        using var http = new HttpClient();
        var rest = new BinanceRestClient(http, BinanceClientOptions.ForServer(simulator.BaseAddress));
        var session = new BinanceKlineStreamSession(
            rest,
            new BinanceStreamOptions { Symbols = [.. symbols], BackfillFrom = from },
            counting,
            (_, _, _) => ValueTask.FromResult<DateTimeOffset?>(null));
        var expected = symbols.ToDictionary(s => s, s => simulator.ReplayedKlines(s.ToUpperInvariant()));
        var last = expected.Where(e => e.Value.Count > 0).ToDictionary(e => e.Key.ToUpperInvariant(), e => e.Value[^1].OpenTime);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var watch = Stopwatch.StartNew();
        var run = session.RunAsync(stop.Token);
        while (!run.IsCompleted && !(simulator.Status.Finished && last.All(l => session.Status.LastClosedOpenTime.GetValueOrDefault(l.Key) == l.Value)))
        {
            await Task.Delay(5, cancellationToken).ConfigureAwait(false);
        }

        watch.Stop();
        await stop.CancelAsync().ConfigureAwait(false);
        await run.ConfigureAwait(false);
        var status = session.Status;
        var seconds = watch.Elapsed.TotalSeconds;
        var exact = counting.Closed == expected.Sum(e => e.Value.Count) && status.DuplicatesAbsorbed >= 0 && status.DeadLettered == 0;
        return new StreamBenchmarkResult(
            symbols.Count, from, to, counting.Closed, counting.Partial, simulator.Status.EventsSent, seconds,
            counting.Closed / seconds, simulator.Status.EventsSent / seconds, exact);
    }

    private sealed class CountingSink(IKlineStreamSink? inner) : IKlineStreamSink
    {
        private long closed;
        private long partial;

        public long Closed => Interlocked.Read(ref closed);

        public long Partial => Interlocked.Read(ref partial);

        public Task PublishAsync(StreamedKline kline, CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref kline.IsClosed ? ref closed : ref partial);
            return inner?.PublishAsync(kline, cancellationToken) ?? Task.CompletedTask;
        }

        public Task DeadLetterAsync(KlineDeadLetter letter, CancellationToken cancellationToken = default) =>
            inner?.DeadLetterAsync(letter, cancellationToken) ?? Task.CompletedTask;
    }
}
