using System.Collections.Concurrent;
using Platform.Domain.MarketData;
using Platform.Exchange.Simulator;
using Platform.MarketData;

namespace Platform.Binance.Tests;

/// <summary>An in-memory <see cref="IKlineStreamSink"/> that records what it was given, in order.</summary>
internal sealed class RecordingSink : IKlineStreamSink
{
    private readonly ConcurrentQueue<StreamedKline> klines = new();
    private readonly ConcurrentQueue<KlineDeadLetter> deadLetters = new();

    public IReadOnlyList<StreamedKline> Klines => [.. klines];

    public IReadOnlyList<StreamedKline> Closed => [.. klines.Where(k => k.IsClosed)];

    public IReadOnlyList<KlineDeadLetter> DeadLetters => [.. deadLetters];

    public int ClosedCount(string symbol) => klines.Count(k => k.IsClosed && k.Symbol == symbol);

    public DateTimeOffset? LastClosed(string symbol) => klines.Where(k => k.IsClosed && k.Symbol == symbol).Select(k => (DateTimeOffset?)k.Kline.OpenTime).Max();

    public Task PublishAsync(StreamedKline kline, CancellationToken cancellationToken = default)
    {
        klines.Enqueue(kline);
        return Task.CompletedTask;
    }

    public Task DeadLetterAsync(KlineDeadLetter letter, CancellationToken cancellationToken = default)
    {
        deadLetters.Enqueue(letter);
        return Task.CompletedTask;
    }
}

/// <summary>
/// A clock whose timers fire at once and move time forward by their due time, recording each wait: REST pacing and
/// Retry-After become observable without the test sleeping.
/// </summary>
internal sealed class InstantTimeProvider : TimeProvider
{
    private readonly ConcurrentQueue<TimeSpan> waits = new();
    private long offsetTicks;

    public IReadOnlyList<TimeSpan> Waits => [.. waits];

    public override DateTimeOffset GetUtcNow() => DateTimeOffset.UtcNow.AddTicks(Interlocked.Read(ref offsetTicks));

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        if (dueTime != Timeout.InfiniteTimeSpan)
        {
            waits.Enqueue(dueTime);
            Interlocked.Add(ref offsetTicks, dueTime.Ticks);
            ThreadPool.QueueUserWorkItem(_ => callback(state));
        }

        return new NoTimer();
    }

    private sealed class NoTimer : ITimer
    {
        public bool Change(TimeSpan dueTime, TimeSpan period) => true;

        public void Dispose()
        {
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}

/// <summary>Starts simulators over the bundled data and sessions against them.</summary>
internal static class Harness
{
    /// <summary>Three weeks that include two of the data set's missing hours (2021-04-20 02:00-03:00, 2021-04-25 05:00-07:00).</summary>
    public static readonly DateTimeOffset From = new(2021, 4, 18, 0, 0, 0, TimeSpan.Zero);

    public static readonly DateTimeOffset To = new(2021, 5, 9, 0, 0, 0, TimeSpan.Zero);

    public static readonly string[] Symbols = ["BTCUSDT", "ETHUSDT"];

    public static Task<ExchangeSimulator> StartSimulatorAsync(string faults = "", string speed = "max", DateTimeOffset? from = null, DateTimeOffset? to = null, Action<SimulatorOptions>? configure = null)
    {
        var options = new SimulatorOptions
        {
            DataDirectory = MarketDataLoader.BundledDirectory,
            From = from ?? From,
            To = to ?? To,
            Speed = ReplaySpeed.Parse(speed),
            Port = 0,
            Faults = FaultSpec.Parse(faults),
        };
        configure?.Invoke(options);
        return ExchangeSimulator.StartAsync(options);
    }

    public static BinanceRestClient Rest(ExchangeSimulator simulator, HttpClient http, TimeProvider? time = null, Action<BinanceClientOptions>? configure = null)
    {
        var options = BinanceClientOptions.ForServer(simulator.BaseAddress);
        options.InitialBackoff = TimeSpan.FromMilliseconds(20);
        configure?.Invoke(options);
        return new BinanceRestClient(http, options, timeProvider: time);
    }

    public static BinanceKlineStreamSession Session(BinanceRestClient rest, IKlineStreamSink sink, LastClosedKlineProvider? checkpoint = null, Action<BinanceStreamOptions>? configure = null)
    {
        var options = new BinanceStreamOptions
        {
            Symbols = [.. Symbols],
            BackfillFrom = From,
            ReconnectInitialDelay = TimeSpan.FromMilliseconds(20),
            ReconnectMaxDelay = TimeSpan.FromMilliseconds(500),
            MaxConnectAttemptsPer5Minutes = 300,
        };
        configure?.Invoke(options);
        return new BinanceKlineStreamSession(rest, options, sink, checkpoint ?? ((_, _, _) => ValueTask.FromResult<DateTimeOffset?>(null)));
    }

    /// <summary>Polls until <paramref name="done"/> holds; fails with <paramref name="what"/> after the timeout.</summary>
    public static async Task WaitUntilAsync(Func<bool> done, Func<string> what, int timeoutSeconds = 60)
    {
        var deadline = DateTime.UtcNow.AddSeconds(timeoutSeconds);
        while (!done())
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail("Timed out waiting until " + what());
            }

            await Task.Delay(20);
        }
    }

    /// <summary>Asserts that the sink holds each replayed closed kline of each symbol exactly once, equal to the data.</summary>
    public static void AssertExactlyReplayed(ExchangeSimulator simulator, RecordingSink sink, IEnumerable<string>? symbols = null)
    {
        foreach (var symbol in symbols ?? Symbols)
        {
            var expected = simulator.ReplayedKlines(symbol);
            var received = sink.Closed.Where(k => k.Symbol == symbol).Select(k => k.Kline).ToList();
            Assert.Equal(received.Count, received.Select(k => k.OpenTime).Distinct().Count());
            Assert.Equal(expected, received.OrderBy(k => k.OpenTime));
        }
    }
}
