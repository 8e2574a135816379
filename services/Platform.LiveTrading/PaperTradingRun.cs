using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Platform.Binance;
using Platform.Domain;
using Platform.Domain.Backtesting;
using Platform.Domain.Execution;
using Platform.Domain.Features;
using Platform.Domain.MarketData;
using Platform.Domain.Models;
using Platform.Domain.Trading;

namespace Platform.LiveTrading;

/// <summary>How a paper run trades: where the market data comes from, what, until when, and how long rows may wait.</summary>
public sealed record PaperRunOptions
{
    /// <summary>A Binance-compatible server (the simulator, the testnet, or a market-data gateway).</summary>
    public required Uri Exchange { get; init; }

    /// <summary>Bars opening at or after this time are not traded (null: until the replay ends or the run is stopped).</summary>
    public DateTimeOffset? Until { get; init; }

    /// <summary>Longest a closed bar of the traded symbol waits for the other symbols' klines of its hour.</summary>
    public TimeSpan RowGrace { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>After a simulator reports its replay finished, how long without a kline before the run ends short of the last bar.</summary>
    public TimeSpan FinishGrace { get; init; } = TimeSpan.FromSeconds(10);

    public void Validate()
    {
        if (Exchange is null || !Exchange.IsAbsoluteUri || Exchange.Scheme is not ("http" or "https"))
        {
            throw new InvalidRequestException($"--exchange: '{Exchange}' is not an absolute http(s) URL.");
        }

        if (RowGrace <= TimeSpan.Zero || FinishGrace <= TimeSpan.Zero)
        {
            throw new InvalidRequestException("The row and finish grace periods must be positive.");
        }
    }
}

/// <summary>Where a paper run is, for a progress line.</summary>
public readonly record struct PaperProgress(DateTimeOffset? LastRow, int Decisions, int Trades, decimal Equity, DateTimeOffset? ExchangeClock, bool Warming);

/// <summary>What a paper run did: the session's record as a backtest result, each decision, and the stream's counters.</summary>
public sealed record PaperRunResult(
    BacktestResult Result,
    IReadOnlyList<DecidedBar> Decisions,
    DataQuality DataQuality,
    long LateKlines,
    long DeadLetters,
    int Reconnects,
    TimeSpan Elapsed)
{
    /// <summary>Per decided bar: from its traded kline's receipt by the stream client to its decision (waiting for other symbols included).</summary>
    public IReadOnlyList<TimeSpan> DecisionLatencies { get; init; } = [];
}

/// <summary>
/// Paper trading on an exchange's market data, in process: the exchange's kline streams (every symbol the model reads;
/// REST gap backfill, reconnects — <see cref="BinanceKlineStreamSession"/>) feed a <see cref="LiveDecisionLoop"/> whose
/// decisions fill in a <see cref="PaperPositionPort"/>. The first bar traded is the one open at the exchange's clock when
/// the run starts; the hours before it (fetched by the backfill) only warm the feature windows. On the simulator the run
/// ends with its replay; elsewhere at <see cref="PaperRunOptions.Until"/> or when cancelled — either way with a result.
/// </summary>
public sealed class PaperTradingRun : IKlineStreamSink
{
    private readonly Channel<StreamedKline> klines = Channel.CreateUnbounded<StreamedKline>();
    private readonly ConcurrentDictionary<string, DateTimeOffset> received = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<Kline>> kept = new(StringComparer.Ordinal);
    private readonly ILoggerFactory loggers;
    private readonly ILogger logger;
    private long deadLetters;

    public PaperTradingRun(ILoggerFactory? loggerFactory = null)
    {
        loggers = loggerFactory ?? NullLoggerFactory.Instance;
        logger = loggers.CreateLogger<PaperTradingRun>();
    }

    public async Task<PaperRunResult> RunAsync(ITradingModel model, TradingOptions trading, PaperRunOptions options, IProgress<PaperProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(trading);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        trading.EnsureValid();
        var stopwatch = Stopwatch.StartNew();
        var interval = KlineInterval.OneHour;
        var clientOptions = BinanceClientOptions.ForServer(options.Exchange);
        using var http = new HttpClient();
        var rest = new BinanceRestClient(http, clientOptions, loggers.CreateLogger<BinanceRestClient>());
        var serverNow = await rest.GetServerTimeAsync(cancellationToken).ConfigureAwait(false);
        var tradeFrom = interval.Floor(serverNow);
        var decider = model.CreateDecider();
        var port = new PaperPositionPort(trading);
        var loop = new LiveDecisionLoop(decider, model.Identity, port, trading.Symbol, tradeFrom, options.Until);
        var streamOptions = new BinanceStreamOptions
        {
            Symbols = [.. loop.Features.Symbols],
            Interval = interval,
            IncludePartialKlines = false,
            BackfillFrom = tradeFrom - AlignedLiveFeatures.HistoryNeeded(decider.Spec, interval),
        };
        var session = new BinanceKlineStreamSession(
            rest,
            streamOptions,
            this,
            (symbol, _, _) => ValueTask.FromResult(received.TryGetValue(symbol, out var last) ? last : (DateTimeOffset?)null),
            loggers.CreateLogger<BinanceKlineStreamSession>());
        PaperTradingLog.Started(logger, model.Identity.Reference, trading.Symbol, options.Exchange, tradeFrom);

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var streaming = session.RunAsync(stop.Token);
        var watcher = WatchSimulatorAsync(http, options.Exchange, stop.Token);
        SimulatorState? simulator = null;
        DateTimeOffset? finishedAt = null;
        var waitingSince = (DateTimeOffset?)null;
        var receivedAt = new Dictionary<DateTimeOffset, DateTimeOffset>();
        var latencies = new List<TimeSpan>();
        void Measure(IReadOnlyList<DecidedBar> bars)
        {
            foreach (var bar in bars)
            {
                if (receivedAt.Remove(bar.Decision.OpenTime, out var at))
                {
                    latencies.Add(bar.Decision.DecidedAt - at);
                }
            }
        }

        try
        {
            while (!loop.ReachedUntil && !cancellationToken.IsCancellationRequested)
            {
                if (streaming.IsCompleted)
                {
                    await streaming.ConfigureAwait(false);
                    throw new InvalidOperationException("The market-data stream stopped.");
                }

                var next = await ReadAsync(TimeSpan.FromMilliseconds(200), cancellationToken).ConfigureAwait(false);
                if (next is { } kline)
                {
                    if (kline.Symbol == trading.Symbol && kline.Kline.OpenTime >= tradeFrom)
                    {
                        receivedAt[kline.Kline.OpenTime] = kline.ReceivedAt;
                    }

                    Measure(await loop.OnClosedKlineAsync(kline.Symbol, kline.Kline, cancellationToken).ConfigureAwait(false));
                    Keep(kline, tradeFrom);
                }

                // A traded bar waits for the other symbols' klines of its hour, but not for ever.
                var waiting = loop.Features.Waiting;
                waitingSince = waiting is null ? null : waitingSince ?? DateTimeOffset.UtcNow;
                if (waitingSince is { } since && DateTimeOffset.UtcNow - since > options.RowGrace)
                {
                    Measure(await loop.FlushAsync(cancellationToken).ConfigureAwait(false));
                    waitingSince = null;
                }

                simulator = watcher.IsCompletedSuccessfully ? watcher.Result : simulator;
                if (next is not null)
                {
                    // The grace after the replay's end counts from the last kline: a reconnect's backfill may still be coming.
                    finishedAt = null;
                }
                else if (simulator is { } sim && klines.Reader.Count == 0)
                {
                    finishedAt ??= DateTimeOffset.UtcNow;
                    var lastBar = sim.To - interval.Length;
                    if (loop.LastRow >= lastBar || DateTimeOffset.UtcNow - finishedAt > options.FinishGrace)
                    {
                        break;
                    }
                }

                progress?.Report(new PaperProgress(loop.LastRow, loop.Decided.Count, port.Session.Trades.Count, port.Session.Bars > 0 ? port.Session.EquityCurve[^1] : trading.InitialCash, simulator?.Clock, loop.LastRow < tradeFrom || loop.LastRow is null));
            }

            Measure(await loop.FlushAsync(CancellationToken.None).ConfigureAwait(false));
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
            await Task.WhenAll(streaming, watcher).ContinueWith(_ => { }, TaskScheduler.Default).ConfigureAwait(false);
        }

        if (port.Session.Bars == 0)
        {
            throw new InvalidRequestException($"No {trading.Symbol} bar closed at or after {tradeFrom:yyyy-MM-dd HH:mm} UTC before the run ended; nothing was traded.");
        }

        var to = options.Until ?? (DateTimeOffset.FromUnixTimeMilliseconds(port.Session.OpenTimeMs[^1]) + interval.Length);
        var label = model.Identity.Version is { } version ? $"{model.Identity.Name} v{version}" : model.Identity.Name;
        var result = Backtester.Collect(port.Session, label, tradeFrom, to, interval.PeriodsPerYear);
        var status = session.Status;
        PaperTradingLog.Finished(logger, loop.Decided.Count, port.Session.Trades.Count, loop.Features.LateKlines, stopwatch.Elapsed);
        return new PaperRunResult(result, loop.Decided, Quality(loop.Features.Symbols, interval, tradeFrom, to), loop.Features.LateKlines, Interlocked.Read(ref deadLetters), status.Reconnects, stopwatch.Elapsed)
        {
            DecisionLatencies = latencies,
        };
    }

    Task IKlineStreamSink.PublishAsync(StreamedKline kline, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(kline);
        if (kline.IsClosed)
        {
            received.AddOrUpdate(kline.Symbol, kline.Kline.OpenTime, (_, last) => last > kline.Kline.OpenTime ? last : kline.Kline.OpenTime);
            klines.Writer.TryWrite(kline);
        }

        return Task.CompletedTask;
    }

    Task IKlineStreamSink.DeadLetterAsync(KlineDeadLetter letter, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(letter);
        Interlocked.Increment(ref deadLetters);
        PaperTradingLog.DeadLetter(logger, letter.Source, letter.Reason);
        return Task.CompletedTask;
    }

    private async Task<StreamedKline?> ReadAsync(TimeSpan wait, CancellationToken cancellationToken)
    {
        if (klines.Reader.TryRead(out var ready))
        {
            return ready;
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(wait);
        try
        {
            return await klines.Reader.ReadAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return null;
        }
    }

    private void Keep(StreamedKline kline, DateTimeOffset from)
    {
        if (kline.Kline.OpenTime >= from)
        {
            if (!kept.TryGetValue(kline.Symbol, out var list))
            {
                kept[kline.Symbol] = list = [];
            }

            list.Add(kline.Kline);
        }
    }

    /// <summary>Rejected and missing bars of what the stream delivered over the traded range (dead letters count as rejected).</summary>
    private DataQuality Quality(IEnumerable<string> symbols, KlineInterval interval, DateTimeOffset from, DateTimeOffset to)
    {
        var delivered = symbols.Select(s => (s, (IReadOnlyList<Kline>)[.. (kept.TryGetValue(s, out var k) ? k : []).Where(x => x.OpenTime < to).OrderBy(x => x.OpenTime)]));
        return DataQuality.Of(MarketDataSet.Validate(delivered, interval, "paper-stream"), symbols, from, to);
    }

    private sealed record SimulatorState(DateTimeOffset Clock, DateTimeOffset From, DateTimeOffset To, bool Finished);

    /// <summary>Polls <c>/sim/status</c> until the replay is finished; null at once when the exchange is not the simulator.</summary>
    private static async Task<SimulatorState?> WatchSimulatorAsync(HttpClient http, Uri exchange, CancellationToken cancellationToken)
    {
        var uri = new Uri(BinanceClientOptions.ForServer(exchange).RestBaseUri, "sim/status");
        while (true)
        {
            using var response = await http.GetAsync(uri, cancellationToken).ConfigureAwait(false);
            if (response.StatusCode == HttpStatusCode.NotFound)
            {
                await Task.Delay(Timeout.Infinite, cancellationToken).ConfigureAwait(false);
            }

            if (response.IsSuccessStatusCode && await response.Content.ReadFromJsonAsync<SimulatorState>(cancellationToken).ConfigureAwait(false) is { Finished: true } state)
            {
                return state;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(250), cancellationToken).ConfigureAwait(false);
        }
    }
}

internal static partial class PaperTradingLog
{
    [LoggerMessage(1, LogLevel.Information, "Paper trading {Model} on {Symbol} from {Exchange}, first bar {From:u}")]
    public static partial void Started(ILogger logger, string model, string symbol, Uri exchange, DateTimeOffset from);

    [LoggerMessage(2, LogLevel.Information, "Paper run finished: {Decisions} decisions, {Trades} trades, {Late} late klines, {Elapsed}")]
    public static partial void Finished(ILogger logger, int decisions, int trades, long late, TimeSpan elapsed);

    [LoggerMessage(3, LogLevel.Warning, "Dead-lettered kline from {Source}: {Reason}")]
    public static partial void DeadLetter(ILogger logger, string source, string reason);
}
