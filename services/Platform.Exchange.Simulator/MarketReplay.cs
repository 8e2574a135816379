using Platform.Domain;
using System.Collections.Concurrent;
using System.Threading.Channels;
using Platform.Domain.MarketData;

namespace Platform.Exchange.Simulator;

/// <summary>One event of the replay, rendered once per time unit and shared by every connection that streams its symbol.</summary>
internal sealed class ReplayEvent(string symbol, Kline kline, bool closed, DateTimeOffset eventTime, KlineInterval interval)
{
    private string? milliseconds;
    private string? microseconds;

    public string Symbol => symbol;

    public bool Closed => closed;

    public DateTimeOffset EventTime => eventTime;

    public string Json(bool micro) => micro
        ? microseconds ??= KlinePayloads.StreamEvent(symbol, kline, interval, closed, eventTime, true)
        : milliseconds ??= KlinePayloads.StreamEvent(symbol, kline, interval, closed, eventTime, false);
}

/// <summary>A connection's subscription: the symbols it streams and its queue of events.</summary>
internal sealed class StreamSubscriber(IReadOnlyCollection<string> symbols, bool micro, int capacity)
{
    private volatile HashSet<string> symbols = new(symbols, StringComparer.Ordinal);

    public Channel<ReplayEvent> Queue { get; } = Channel.CreateBounded<ReplayEvent>(new BoundedChannelOptions(capacity) { SingleReader = true, SingleWriter = true });

    public bool Micro => micro;

    public IReadOnlyCollection<string> Symbols => symbols;

    public bool Wants(string symbol) => symbols.Contains(symbol);

    public void Subscribe(IEnumerable<string> add) => symbols = [.. symbols.Union(add)];

    public void Unsubscribe(IEnumerable<string> remove) => symbols = [.. symbols.Except(remove)];
}

/// <summary>Counters of what the simulator sent and injected, for /sim/status and tests.</summary>
internal sealed class SimulatorStats
{
    public long EventsSent;
    public long EventsDequeued;
    public long ClosedEventsReplayed;
    public long Connections;
    public long Dropped;
    public long Malformed;
    public long Duplicated;
    public long Reordered;
    public long Shutdowns;
    public long SlowConsumersClosed;
    public long RestRequests;
    public long Rest429;
    public long Rest418;
    public long Rest5xx;
    public long HoldWaits;
    public long HoldsExpired;
}

/// <summary>
/// The market data and the replay clock. Klines of the whole directory are held in memory; the clock runs from the
/// replay start to its end, producing partial updates and the closed event of each interval. REST answers from the
/// same data, never past the clock. At <see cref="ReplaySpeed.Max"/> the clock advances as fast as the slowest
/// connected client takes its events and stops while no client is connected; at a fixed speed it starts with the
/// first client and follows the wall clock, disconnecting a client that falls a whole buffer behind.
/// </summary>
internal sealed class MarketReplay
{
    private const int MaxSpeedQueue = 16;

    private readonly SimulatorOptions options;
    private readonly Dictionary<string, Kline[]> klines;
    private readonly DateTimeOffset[] timeline;
    private readonly ConcurrentDictionary<long, StreamSubscriber> subscribers = new();
    private readonly TaskCompletionSource finished = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TaskCompletionSource clientConnected = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long clockTicks;
    private long nextSubscriber;

    public MarketReplay(SimulatorOptions options, MarketDataSet data)
    {
        this.options = options;
        klines = data.Series.ToDictionary(s => s.Key.ToUpperInvariant(), s => s.Value.Klines.ToArray(), StringComparer.Ordinal);
        if (klines.Count == 0 || klines.Values.All(k => k.Length == 0))
        {
            throw new InvalidRequestException($"--data: no {options.Interval.Code} klines in '{options.DataDirectory}'.");
        }

        From = options.From ?? klines.Values.Where(k => k.Length > 0).Min(k => k[0].OpenTime);
        To = options.To ?? klines.Values.Where(k => k.Length > 0).Max(k => k[^1].OpenTime) + options.Interval.Length;
        timeline = [.. klines.Values.SelectMany(k => k).Select(k => k.OpenTime).Where(t => t >= From && t + options.Interval.Length <= To).Distinct().Order()];
        clockTicks = From.UtcTicks;
        Holds = new ClockHolds(this, options.HoldTimeout);
    }

    /// <summary>Traders' holds on the clock: it does not pass a bar's close before they are done with the bar.</summary>
    public ClockHolds Holds { get; }

    /// <summary>The close time of the first kline of <paramref name="symbol"/> opening at or after <paramref name="from"/>; null when none.</summary>
    public DateTimeOffset? NextClose(string symbol, DateTimeOffset from)
    {
        if (!klines.TryGetValue(symbol, out var series))
        {
            return null;
        }

        var index = LowerBound(series, from);
        return index < series.Length ? series[index].OpenTime + Interval.Length : null;
    }

    public SimulatorStats Stats { get; } = new();

    public DateTimeOffset From { get; }

    public DateTimeOffset To { get; }

    public KlineInterval Interval => options.Interval;

    public IReadOnlyCollection<string> Symbols => klines.Keys;

    public DateTimeOffset Clock => new(Interlocked.Read(ref clockTicks), TimeSpan.Zero);

    public bool IsFinished => finished.Task.IsCompleted;

    public Task Finished => finished.Task;

    public int ConnectionCount => subscribers.Count;

    /// <summary>Closed klines the replay will stream for <paramref name="symbol"/>: those closing within [From, To].</summary>
    public IReadOnlyList<Kline> ReplayedKlines(string symbol) =>
        klines.TryGetValue(symbol, out var all) ? [.. all.Where(k => k.OpenTime >= From && k.OpenTime + Interval.Length <= To)] : [];

    public bool HasSymbol(string symbol) => klines.ContainsKey(symbol);

    /// <summary>
    /// Klines of <paramref name="symbol"/> with open time in [start, end] known at the clock, oldest first: closed ones
    /// whole, the one still forming as it stands now (as Binance's REST serves the current kline).
    /// </summary>
    public List<Kline> KlinesUpToClock(string symbol, DateTimeOffset? start, DateTimeOffset? end, int limit)
    {
        var all = klines[symbol];
        var clock = Clock;
        var last = end is { } e && e < clock ? e : clock;
        var upper = UpperBound(all, last);
        int lower;
        if (start is { } s)
        {
            lower = LowerBound(all, s);
            upper = Math.Min(upper, lower + limit);
        }
        else
        {
            lower = Math.Max(0, upper - limit);
        }

        var result = new List<Kline>(Math.Max(0, upper - lower));
        for (var i = lower; i < upper; i++)
        {
            var k = all[i];
            var elapsed = clock - k.OpenTime;
            result.Add(elapsed >= Interval.Length ? k : KlinePayloads.Forming(k, (decimal)(elapsed / Interval.Length)));
        }

        return result;
    }

    public (long Id, StreamSubscriber Subscriber) Subscribe(IReadOnlyCollection<string> symbols, bool micro)
    {
        // At max speed the clock must not run ahead of what clients took: a short queue keeps it within a few events.
        var subscriber = new StreamSubscriber(symbols, micro, options.Speed.IsMax ? MaxSpeedQueue : options.ConnectionBuffer);
        var id = Interlocked.Increment(ref nextSubscriber);
        subscribers[id] = subscriber;
        Interlocked.Increment(ref Stats.Connections);
        clientConnected.TrySetResult();
        return (id, subscriber);
    }

    public void Unsubscribe(long id)
    {
        if (subscribers.TryRemove(id, out var subscriber))
        {
            subscriber.Queue.Writer.TryComplete();
        }

        if (subscribers.IsEmpty)
        {
            Interlocked.Exchange(ref clientConnected, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
            if (!subscribers.IsEmpty)
            {
                clientConnected.TrySetResult();
            }
        }
    }

    /// <summary>Runs the clock from <see cref="From"/> to <see cref="To"/>.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        await WaitForClientAsync(cancellationToken).ConfigureAwait(false);
        var wallStart = DateTimeOffset.UtcNow;
        var steps = options.PartialUpdatesPerKline + 1;
        var batch = new List<ReplayEvent>(klines.Count);
        foreach (var openTime in timeline)
        {
            for (var step = 1; step <= steps; step++)
            {
                var closed = step == steps;
                var fraction = (decimal)step / steps;
                var clock = openTime + (Interval.Length * (double)fraction);
                batch.Clear();
                foreach (var (symbol, series) in klines)
                {
                    var index = LowerBound(series, openTime);
                    if (index < series.Length && series[index].OpenTime == openTime)
                    {
                        var k = closed ? series[index] : KlinePayloads.Forming(series[index], fraction);
                        batch.Add(new ReplayEvent(symbol, k, closed, clock, Interval));
                    }
                }

                if (options.Speed.IsMax)
                {
                    await WaitForClientAsync(cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    var due = wallStart + TimeSpan.FromSeconds((clock - From).TotalHours / options.Speed.HoursPerSecond);
                    var wait = due - DateTimeOffset.UtcNow;
                    if (wait > TimeSpan.Zero)
                    {
                        await Task.Delay(wait, cancellationToken).ConfigureAwait(false);
                    }
                }

                await Holds.WaitAsync(clock, cancellationToken).ConfigureAwait(false);

                // The clock moves before the events go out, so a client that reacts to an event finds it on REST.
                Interlocked.Exchange(ref clockTicks, clock.UtcTicks);
                foreach (var e in batch)
                {
                    if (closed)
                    {
                        Interlocked.Increment(ref Stats.ClosedEventsReplayed);
                    }

                    await DispatchAsync(e, cancellationToken).ConfigureAwait(false);
                }
            }
        }

        Interlocked.Exchange(ref clockTicks, Math.Max(Interlocked.Read(ref clockTicks), To.UtcTicks));
        finished.TrySetResult();
    }

    private async Task DispatchAsync(ReplayEvent e, CancellationToken cancellationToken)
    {
        foreach (var (id, subscriber) in subscribers)
        {
            if (!subscriber.Wants(e.Symbol))
            {
                continue;
            }

            if (options.Speed.IsMax)
            {
                try
                {
                    await subscriber.Queue.Writer.WriteAsync(e, cancellationToken).ConfigureAwait(false);
                }
                catch (ChannelClosedException)
                {
                    // The connection closed meanwhile; its client backfills by REST when it comes back.
                }
            }
            else if (!subscriber.Queue.Writer.TryWrite(e) && subscribers.ContainsKey(id))
            {
                Interlocked.Increment(ref Stats.SlowConsumersClosed);
                subscriber.Queue.Writer.TryComplete(new ChannelClosedException("slow consumer: the connection fell a whole buffer behind the replay"));
            }
        }
    }

    private async Task WaitForClientAsync(CancellationToken cancellationToken)
    {
        while (subscribers.IsEmpty)
        {
            await Volatile.Read(ref clientConnected).Task.WaitAsync(TimeSpan.FromMilliseconds(200), cancellationToken).ContinueWith(_ => { }, TaskScheduler.Default).ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
        }
    }

    private static int LowerBound(Kline[] series, DateTimeOffset t)
    {
        int lo = 0, hi = series.Length;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (series[mid].OpenTime < t)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }

        return lo;
    }

    private static int UpperBound(Kline[] series, DateTimeOffset t) => LowerBound(series, t + TimeSpan.FromTicks(1));
}
