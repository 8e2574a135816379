using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
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
using Platform.Kafka;
using Platform.Binance.Trading;
using Platform.LiveTrading.Execution;

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

    /// <summary>With the execution service: how many times a failed decision and execution service is replaced before the run fails.</summary>
    public int MaxRestarts { get; init; } = 100;

    /// <summary>Orders to the exchange's trading API through the execution service; null: paper fills in-process at each bar's close.</summary>
    public PaperExecution? Execution { get; init; }

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

        if (MaxRestarts < 0 || Execution?.RequestTimeout <= TimeSpan.Zero)
        {
            throw new InvalidRequestException("The restart budget cannot be negative and the exchange request timeout must be positive.");
        }
    }
}

/// <summary>How a paper run sends its orders: the exchange account's keys, the trading store, and the risk limits.</summary>
public sealed record PaperExecution(BinanceCredentials Credentials, ITradingStore Store)
{
    public ExecutionOptions Options { get; init; } = new();

    /// <summary>
    /// The simulator clock hold's name. A stable name (one per store, model and symbol) lets a run started again after a
    /// crash take over the hold before it expires, so no bar is missed; null: one per run.
    /// </summary>
    public string? HoldName { get; init; }

    /// <summary>Longest wait for the exchange's answer to a request (an order without one has an unknown status).</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(10);
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
    /// <summary>What the execution service did (null when fills were in-process).</summary>
    public ExecutionStats? Execution { get; init; }

    /// <summary>Times a failed decision and execution service was replaced by a new one.</summary>
    public int Restarts { get; init; }

    /// <summary>Per decided bar: from its traded kline's receipt by the stream client to its decision committed on <c>decisions</c> (waiting for other symbols included).</summary>
    public IReadOnlyList<TimeSpan> DecisionLatencies { get; init; } = [];
}

/// <summary>
/// Paper trading on an exchange's market data through the platform's streaming path: the exchange's kline streams
/// (every symbol the model reads; REST gap backfill, reconnects — <see cref="BinanceKlineStreamSession"/>) go to Kafka's
/// <c>market.klines.1h</c>; the <see cref="MarketStoreWriter"/> stores them, the <see cref="KafkaFeatureService"/> turns
/// them into feature rows and the <see cref="KafkaDecisionService"/> decides each row, filling in a
/// <see cref="PaperPositionPort"/>. The first bar traded is the one open at the exchange's clock when the run starts; the
/// hours before it (fetched by the backfill) only warm the windows. On the simulator the run ends with its replay;
/// elsewhere at <see cref="PaperRunOptions.Until"/> or when cancelled — either way with a result. Consumer groups and
/// transactional ids are the run's own, so a run on a shared cluster never takes partitions from the platform's services.
/// </summary>
public sealed class PaperTradingRun : IKlineStreamSink
{
    private readonly ConcurrentDictionary<string, DateTimeOffset> received = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<DateTimeOffset, DateTimeOffset> tradedReceivedAt = new();
    private readonly ConcurrentQueue<StreamedKline> kept = new();
    private readonly KafkaCluster cluster;
    private readonly IMarketDataStore store;
    private readonly ILoggerFactory loggers;
    private readonly ILogger logger;
    private KafkaKlineSink? sink;
    private string tradedSymbol = "";
    private readonly List<ExecutionStats> executionStats = [];
    private long deadLetters;

    public PaperTradingRun(KafkaCluster cluster, IMarketDataStore store, ILoggerFactory? loggerFactory = null)
    {
        this.cluster = cluster ?? throw new ArgumentNullException(nameof(cluster));
        this.store = store ?? throw new ArgumentNullException(nameof(store));
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
        var spec = model.FeatureSpec;
        using var http = new HttpClient();
        var rest = new BinanceRestClient(http, BinanceClientOptions.ForServer(options.Exchange), loggers.CreateLogger<BinanceRestClient>());
        var runId = Guid.NewGuid().ToString("N")[..12];
        SimulatorClockHold? hold = null;
        DateTimeOffset tradeFrom;
        if (options.Execution is not null && await SimulatorClockHold.IsSupportedAsync(http, options.Exchange, cancellationToken).ConfigureAwait(false))
        {
            // The replay waits at each bar's close until its order is done: market orders fill at the backtest's price.
            hold = new SimulatorClockHold(http, options.Exchange, options.Execution.HoldName ?? $"paper-{runId}");
            tradeFrom = await hold.StartAsync(trading.Symbol, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            tradeFrom = interval.Floor(await rest.GetServerTimeAsync(cancellationToken).ConfigureAwait(false));
        }

        var resumedBars = 0;
        if (options.Execution is { } resumed)
        {
            // The store may hold this account's earlier bars (a run that stopped): trading resumes after the last one.
            var stored = await resumed.Store.GetEquityAsync(hold is null ? TradingMode.Testnet : TradingMode.Paper, trading.Symbol, DateTimeOffset.UnixEpoch, DateTimeOffset.MaxValue.AddYears(-1), cancellationToken).ConfigureAwait(false);
            resumedBars = stored.Count;
            if (stored.Count > 0 && stored[^1].Time - interval.Length is var lastBar && lastBar >= tradeFrom)
            {
                tradeFrom = lastBar + interval.Length;
                if (hold is not null)
                {
                    await hold.DoneThroughAsync(trading.Symbol, lastBar, cancellationToken).ConfigureAwait(false);
                }
            }
        }

        tradedSymbol = trading.Symbol;
        if (options.Until <= tradeFrom)
        {
            throw new InvalidRequestException($"--until {options.Until:yyyy-MM-dd HH:mm} is not after the first bar to trade, {tradeFrom:yyyy-MM-dd HH:mm}.");
        }

        await cluster.EnsureTopicsAsync([.. PlatformTopics.All, PlatformTopics.Features(spec).Definition]).ConfigureAwait(false);
        using var producer = new KafkaProducer(cluster.Connection, $"paper-{runId}-stream");
        sink = new KafkaKlineSink(producer);
        var storeWriterGroup = $"paper-{runId}-{MarketStoreWriter.GroupId}";
        using var writer = new MarketStoreWriter(cluster.Connection, store, producer, interval, storeWriterGroup);
        using var features = new KafkaFeatureService(cluster, store, new FeatureServiceOptions
        {
            Spec = spec,
            Symbol = trading.Symbol,
            GroupId = $"paper-{runId}-{KafkaFeatureService.DefaultGroupId}",
            StoreWriterGroupId = storeWriterGroup,
            EmitFrom = tradeFrom - (interval.Length * (2 * spec.WindowLength)),
            RowGrace = options.RowGrace,
        }, loggers.CreateLogger<KafkaFeatureService>());
        var gateway = options.Execution is { } execution
            ? new BinanceOrderGateway(new BinanceTradingClient(http, new BinanceTradingOptions { Mode = hold is null ? BinanceTradingMode.Testnet : BinanceTradingMode.Simulator, BaseUri = options.Exchange, RequestTimeout = execution.RequestTimeout }, execution.Credentials, loggers.CreateLogger<BinanceTradingClient>()))
            : null;
        var decisionOptions = new DecisionServiceOptions
        {
            Symbol = trading.Symbol,
            TradeFrom = tradeFrom,
            TradeUntil = options.Until,
            GroupId = $"paper-{runId}-decisions",
            RestorePosition = false,
        };

        // The decision service with its position port. With the execution service a failed instance is replaced by a new
        // one, as a restarted worker would be: it rebuilds from the topics and the trading store and reconciles.
        DecisionStage Stage(bool restore)
        {
            ExchangeExecutionPort? executionPort = options.Execution is { } execution ? new ExchangeExecutionPort(
                trading,
                execution.Store,
                gateway!,
                execution.Options with { Mode = hold is null ? TradingMode.Testnet : TradingMode.Paper },
                hold,
                loggers.CreateLogger<ExchangeExecutionPort>()) : null;
            IPositionPort port = executionPort is null ? new PaperPositionPort(trading) : executionPort;
            var service = new KafkaDecisionService(cluster, model, decisionOptions with { RestorePosition = restore }, port, logger: loggers.CreateLogger<KafkaDecisionService>());
            return new DecisionStage(service, executionPort, executionPort?.Session ?? ((PaperPositionPort)port).Session);
        }

        var stage = Stage(restore: false);
        if (stage.Execution is not null && resumedBars > 0)
        {
            await stage.Execution.RestoreFromStoreAsync(model.Identity.Name, cancellationToken).ConfigureAwait(false);
            PaperTradingLog.Resumed(logger, resumedBars, tradeFrom);
        }

        var decided = new Dictionary<string, DecidedBar>(StringComparer.Ordinal);
        var committedAt = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);
        var restarts = 0;
        var session = new BinanceKlineStreamSession(
            rest,
            new BinanceStreamOptions
            {
                Symbols = [.. MarketContext.SymbolsFor(spec, trading.Symbol)],
                Interval = interval,
                IncludePartialKlines = false,
                BackfillFrom = tradeFrom - AlignedLiveFeatures.HistoryNeeded(spec, interval),
            },
            this,
            (symbol, _, _) => ValueTask.FromResult(received.TryGetValue(symbol, out var last) ? last : (DateTimeOffset?)null),
            loggers.CreateLogger<BinanceKlineStreamSession>());
        PaperTradingLog.Started(logger, model.Identity.Reference, trading.Symbol, options.Exchange, tradeFrom);

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        await features.StartAsync(stop.Token).ConfigureAwait(false);
        await stage.Service.StartAsync(stop.Token).ConfigureAwait(false);
        Task[] services =
        [
            session.RunAsync(stop.Token),
            Task.Run(() => writer.RunAsync(stop.Token), CancellationToken.None),
            Task.Run(() => features.RunAsync(stop.Token), CancellationToken.None),
            Task.Run(() => stage.Service.RunAsync(stop.Token), CancellationToken.None),
        ];
        var watcher = WatchSimulatorAsync(http, options.Exchange, stop.Token);
        SimulatorState? simulator = null;
        DateTimeOffset? finishedAt = null;
        var lastSeen = (Klines: 0L, Row: (DateTimeOffset?)null);
        try
        {
            while (!stage.Service.ReachedUntil && !cancellationToken.IsCancellationRequested)
            {
                if (services[3].IsFaulted && stage.Execution is not null && restarts < options.MaxRestarts && !stop.IsCancellationRequested)
                {
                    restarts++;
                    PaperTradingLog.Restarting(logger, restarts, services[3].Exception!.GetBaseException().Message);
                    Collect(stage, decided, committedAt);
                    stage.Dispose();
                    stage = Stage(restore: true);
                    var restarted = stage.Service;
                    services[3] = Task.Run(() => restarted.RunAsync(stop.Token), CancellationToken.None);
                    continue;
                }

                if (services.FirstOrDefault(t => t.IsCompleted) is { } stopped)
                {
                    await stopped.ConfigureAwait(false);
                    if (stage.Service.ReachedUntil)
                    {
                        break;
                    }

                    throw new InvalidOperationException("A service of the paper run stopped.");
                }

                await Task.Delay(TimeSpan.FromMilliseconds(100), cancellationToken).ContinueWith(_ => { }, TaskScheduler.Default).ConfigureAwait(false);
                var status = stage.Service.Status;
                var now = (writer.Stats.Records, status.LastRow);
                simulator = watcher.IsCompletedSuccessfully ? watcher.Result : simulator;
                if (now != lastSeen)
                {
                    // The grace after the replay's end counts from the last progress: a reconnect's backfill may still be coming.
                    lastSeen = now;
                    finishedAt = null;
                }
                else if (simulator is { } sim)
                {
                    finishedAt ??= DateTimeOffset.UtcNow;
                    if (status.LastRow >= sim.To - interval.Length || DateTimeOffset.UtcNow - finishedAt > options.FinishGrace)
                    {
                        break;
                    }
                }

                progress?.Report(new PaperProgress(status.LastRow, (int)status.Decisions, stage.Account.Trades.Count, Equity(stage.Account, trading), simulator?.Clock, status.LastRow < tradeFrom || status.LastRow is null));
            }
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
            await Task.WhenAll([.. services, watcher]).ContinueWith(_ => { }, TaskScheduler.Default).ConfigureAwait(false);
        }

        try
        {
            foreach (var failed in services.Where(t => t.IsFaulted))
            {
                await failed.ConfigureAwait(false);
            }

            // A failed run leaves its clock hold for a run started again on the same store to take over (it expires otherwise).
            if (hold is not null)
            {
                await hold.StopAsync(trading.Symbol, CancellationToken.None).ConfigureAwait(false);
            }

            Collect(stage, decided, committedAt);
            var account = stage.Account;
            if (account.Bars == 0)
            {
                throw new InvalidRequestException($"No {trading.Symbol} bar closed at or after {tradeFrom:yyyy-MM-dd HH:mm} UTC before the run ended; nothing was traded.");
            }

            var to = options.Until ?? (DateTimeOffset.FromUnixTimeMilliseconds(account.OpenTimeMs[^1]) + interval.Length);
            var label = model.Identity.Version is { } version ? $"{model.Identity.Name} v{version}" : model.Identity.Name;
            var result = Backtester.Collect(account, label, DateTimeOffset.FromUnixTimeMilliseconds(account.OpenTimeMs[0]), to, interval.PeriodsPerYear);
            var late = features.Stats.LateKlines;
            var bars = decided.Values.OrderBy(d => d.Decision.OpenTime).ToList();
            PaperTradingLog.Finished(logger, bars.Count, account.Trades.Count, late, stopwatch.Elapsed);
            return new PaperRunResult(result, bars, Quality(MarketContext.SymbolsFor(spec, trading.Symbol), interval, tradeFrom, to), late, Interlocked.Read(ref deadLetters), session.Status.Reconnects, stopwatch.Elapsed)
            {
                Execution = executionStats.Count > 0 ? ExecutionStats.Sum(executionStats) : null,
                Restarts = restarts,
                DecisionLatencies = [.. bars
                    .Where(d => tradedReceivedAt.ContainsKey(d.Decision.OpenTime) && committedAt.ContainsKey(d.Decision.DecisionId))
                    .Select(d => committedAt[d.Decision.DecisionId] - tradedReceivedAt[d.Decision.OpenTime])],
            };
        }
        finally
        {
            stage.Dispose();
        }
    }

    /// <summary>What a decision stage decided and committed; a later stage's record of a bar replaces an earlier one's.</summary>
    private void Collect(DecisionStage stage, Dictionary<string, DecidedBar> decided, Dictionary<string, DateTimeOffset> committedAt)
    {
        foreach (var bar in stage.Service.Decided)
        {
            decided[bar.Decision.DecisionId] = bar;
        }

        foreach (var (id, at) in stage.Service.CommittedAt)
        {
            committedAt.TryAdd(id, at);
        }

        if (stage.Execution is { } execution)
        {
            executionStats.Add(execution.Stats);
        }
    }

    /// <summary>One decision service and its position port.</summary>
    private sealed record DecisionStage(KafkaDecisionService Service, ExchangeExecutionPort? Execution, TradingSession Account) : IDisposable
    {
        public void Dispose()
        {
            Service.Dispose();
            Execution?.Dispose();
        }
    }

    async Task IKlineStreamSink.PublishAsync(StreamedKline kline, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(kline);
        if (!kline.IsClosed)
        {
            return;
        }

        await sink!.PublishAsync(kline, cancellationToken).ConfigureAwait(false);
        received.AddOrUpdate(kline.Symbol, kline.Kline.OpenTime, (_, last) => last > kline.Kline.OpenTime ? last : kline.Kline.OpenTime);
        kept.Enqueue(kline);
        if (kline.Symbol == tradedSymbol)
        {
            tradedReceivedAt.TryAdd(kline.Kline.OpenTime, kline.ReceivedAt);
        }
    }

    async Task IKlineStreamSink.DeadLetterAsync(KlineDeadLetter letter, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(letter);
        await sink!.DeadLetterAsync(letter, cancellationToken).ConfigureAwait(false);
        Interlocked.Increment(ref deadLetters);
        PaperTradingLog.DeadLetter(logger, letter.Source, letter.Reason);
    }

    private static decimal Equity(TradingSession session, TradingOptions trading)
    {
        var curve = session.EquityCurve;
        return curve.Length > 0 ? curve[^1] : trading.InitialCash;
    }

    /// <summary>Rejected and missing bars of what the stream delivered over the traded range (dead letters count as rejected).</summary>
    private DataQuality Quality(IEnumerable<string> symbols, KlineInterval interval, DateTimeOffset from, DateTimeOffset to)
    {
        var delivered = symbols.Select(s => (s, (IReadOnlyList<Kline>)[.. kept.Where(x => x.Symbol == s && x.Kline.OpenTime >= from && x.Kline.OpenTime < to).Select(x => x.Kline).OrderBy(x => x.OpenTime)]));
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

    [LoggerMessage(4, LogLevel.Warning, "Decision and execution service failed ({Reason}); starting instance {Restart} from the topics and the trading store")]
    public static partial void Restarting(ILogger logger, int restart, string reason);

    [LoggerMessage(5, LogLevel.Information, "Resuming the account of the trading store: {Bars} bars booked before, trading from {From:u}")]
    public static partial void Resumed(ILogger logger, int bars, DateTimeOffset from);

    [LoggerMessage(3, LogLevel.Warning, "Dead-lettered kline from {Source}: {Reason}")]
    public static partial void DeadLetter(ILogger logger, string source, string reason);
}
