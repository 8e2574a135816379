using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.WebSockets;
using System.Text;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Platform.Domain.MarketData;

namespace Platform.Binance;

/// <summary>
/// The open time of the newest closed kline already stored for a symbol (null: none), asked on every (re)connect so
/// the gap backfill starts right after it.
/// </summary>
public delegate ValueTask<DateTimeOffset?> LastClosedKlineProvider(string symbol, KlineInterval interval, CancellationToken cancellationToken);

/// <summary>
/// A live kline feed that loses nothing: it holds a combined WebSocket stream
/// (<c>/stream?streams=btcusdt@kline_1h/...</c>) and, on every (re)connect, first fetches by REST every closed kline
/// after the last one known, then streams on. A closed kline that arrives after a hole (a lost message) triggers the
/// same REST fill. Each closed (symbol, open time) is delivered once per session; duplicates and stale events are
/// absorbed; every message that cannot become a valid kline (unparseable, or rejected by <see cref="KlineValidator"/>)
/// is dead-lettered with its reason and raw payload and the stream goes on. Reconnects use jittered exponential
/// backoff within a connection-attempt budget, happen proactively before Binance's 24-hour limit and at once on
/// <c>serverShutdown</c>. Pings are answered by the WebSocket with a pong carrying the ping's payload.
/// </summary>
public sealed class BinanceKlineStreamSession
{
    private static readonly TimeSpan AttemptWindow = TimeSpan.FromMinutes(5);

    private readonly BinanceRestClient rest;
    private readonly BinanceStreamOptions options;
    private readonly IKlineStreamSink sink;
    private readonly LastClosedKlineProvider lastStored;
    private readonly ILogger logger;
    private readonly TimeProvider time;
    private readonly string streamSource;
    private readonly string restSource;
    private readonly Dictionary<string, SymbolState> symbols = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, DateTimeOffset> acknowledged = new(StringComparer.Ordinal);
    private readonly Queue<(Task Publish, string Symbol, DateTimeOffset OpenTime)> inFlight = new();
    private readonly Queue<DateTimeOffset> attempts = new();
    private readonly object symbolsLock = new();
    private string[] requestedSymbols;
    private CancellationTokenSource? connectionCancel;
    private bool symbolsChanged;
    private int running;

    private volatile bool connected;
    private DateTimeOffset? connectedSince;
    private int reconnects;
    private long closedKlines;
    private long partialKlines;
    private long backfilledKlines;
    private long duplicates;
    private long deadLettered;
    private long lastMessageTicks;
    private long lastEventTicks;
    private volatile string? lastError;

    public BinanceKlineStreamSession(
        BinanceRestClient rest,
        BinanceStreamOptions options,
        IKlineStreamSink sink,
        LastClosedKlineProvider lastStoredClosedKline,
        ILogger<BinanceKlineStreamSession>? logger = null,
        TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(rest);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(sink);
        ArgumentNullException.ThrowIfNull(lastStoredClosedKline);
        options.Validate();
        this.rest = rest;
        this.options = options;
        this.sink = sink;
        lastStored = lastStoredClosedKline;
        this.logger = logger ?? (ILogger)NullLogger.Instance;
        time = timeProvider ?? TimeProvider.System;
        requestedSymbols = [.. options.Symbols.Select(s => s.ToUpperInvariant())];
        streamSource = "binance-ws:" + rest.Options.StreamBaseUri.Authority;
        restSource = "binance-rest:" + rest.Options.RestBaseUri.Authority;
    }

    public IReadOnlyList<string> Symbols
    {
        get
        {
            lock (symbolsLock)
            {
                return requestedSymbols;
            }
        }
    }

    public BinanceStreamStatus Status
    {
        get
        {
            var last = new Dictionary<string, DateTimeOffset>(acknowledged, StringComparer.Ordinal);
            TimeSpan? lag = null;
            var eventTicks = Interlocked.Read(ref lastEventTicks);
            var current = Symbols;
            if (eventTicks > 0 && current.All(last.ContainsKey))
            {
                var oldestClose = current.Min(s => last[s]) + options.Interval.Length;
                lag = new DateTimeOffset(eventTicks, TimeSpan.Zero) - oldestClose;
                lag = lag < TimeSpan.Zero ? TimeSpan.Zero : lag;
            }

            var messageTicks = Interlocked.Read(ref lastMessageTicks);
            return new BinanceStreamStatus(
                connected,
                connectedSince,
                last,
                lag,
                Volatile.Read(ref reconnects),
                Interlocked.Read(ref closedKlines),
                Interlocked.Read(ref partialKlines),
                Interlocked.Read(ref backfilledKlines),
                Interlocked.Read(ref duplicates),
                Interlocked.Read(ref deadLettered),
                messageTicks > 0 ? new DateTimeOffset(messageTicks, TimeSpan.Zero) : null,
                lastError);
        }
    }

    /// <summary>Streams another set of symbols from now on: the session reconnects with them (backfilling new ones first).</summary>
    public void UpdateSymbols(IEnumerable<string> newSymbols)
    {
        ArgumentNullException.ThrowIfNull(newSymbols);
        var list = newSymbols.Select(s => s.ToUpperInvariant()).ToList();
        var check = new BinanceStreamOptions { Symbols = list, Interval = options.Interval };
        check.Validate();
        lock (symbolsLock)
        {
            requestedSymbols = [.. list];
            symbolsChanged = true;
            connectionCancel?.Cancel();
        }
    }

    /// <summary>
    /// Runs until <paramref name="cancellationToken"/> is cancelled. Throws when the configuration is wrong (an unknown
    /// symbol: Binance's 4XX answer) or the sink fails: a kline that cannot be delivered stops the session rather than
    /// be skipped. Connection failures are never thrown; they reconnect.
    /// </summary>
    public async Task RunAsync(CancellationToken cancellationToken = default)
    {
        if (Interlocked.Exchange(ref running, 1) == 1)
        {
            throw new InvalidOperationException("This session is already running.");
        }

        try
        {
            await CheckSymbolsAsync(Symbols, cancellationToken).ConfigureAwait(false);
            var delay = options.ReconnectInitialDelay;
            var first = true;
            while (!cancellationToken.IsCancellationRequested)
            {
                if (!first)
                {
                    Interlocked.Increment(ref reconnects);
                }

                first = false;
                await WaitForConnectBudgetAsync(cancellationToken).ConfigureAwait(false);
                var outcome = await RunConnectionAsync(cancellationToken).ConfigureAwait(false);
                BinanceInstrumentation.Reconnects.Add(1, new KeyValuePair<string, object?>("reason", outcome.Reason));
                if (cancellationToken.IsCancellationRequested)
                {
                    break;
                }

                if (outcome.Immediate)
                {
                    delay = options.ReconnectInitialDelay;
                    continue;
                }

                delay = outcome.ReceivedMessages ? options.ReconnectInitialDelay : delay;
                var wait = Jitter(delay);
                BinanceStreamLog.Reconnecting(logger, outcome.Reason, wait);
                await Task.Delay(wait, time, cancellationToken).ConfigureAwait(false);
                delay = TimeSpan.FromTicks(Math.Min(options.ReconnectMaxDelay.Ticks, delay.Ticks * 2));
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopped by the caller.
        }
        finally
        {
            connected = false;
            Volatile.Write(ref running, 0);
        }
    }

    private readonly record struct ConnectionOutcome(string Reason, bool Immediate, bool ReceivedMessages);

    private async Task<ConnectionOutcome> RunConnectionAsync(CancellationToken cancellationToken)
    {
        string[] current;
        using var connection = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        lock (symbolsLock)
        {
            current = requestedSymbols;
            symbolsChanged = false;
            connectionCancel = connection;
        }

        var added = current.Where(s => !symbols.ContainsKey(s)).ToList();
        if (added.Count > 0 && symbols.Count > 0)
        {
            await CheckSymbolsAsync(added, cancellationToken).ConfigureAwait(false);
        }

        foreach (var symbol in current)
        {
            symbols.TryAdd(symbol, new SymbolState());
        }

        foreach (var removed in symbols.Keys.Except(current).ToList())
        {
            symbols.Remove(removed);
            acknowledged.TryRemove(removed, out _);
        }

        var received = false;
        using var socket = new ClientWebSocket();
        socket.Options.KeepAliveInterval = options.KeepAliveInterval;
        socket.Options.KeepAliveTimeout = options.KeepAliveTimeout;
        var uri = StreamUri(current);
        using var activity = BinanceInstrumentation.ActivitySource.StartActivity("binance.stream.connection", ActivityKind.Client);
        activity?.SetTag("binance.streams", current.Length);
        try
        {
            using (var connectTimeout = CancellationTokenSource.CreateLinkedTokenSource(connection.Token))
            {
                connectTimeout.CancelAfter(options.ConnectTimeout);
                await socket.ConnectAsync(uri, connectTimeout.Token).ConfigureAwait(false);
            }

            connected = true;
            connectedSince = time.GetUtcNow();
            BinanceStreamLog.Connected(logger, uri, current.Length);
            connection.CancelAfter(options.MaxConnectionLifetime);
            var messages = Channel.CreateBounded<(string Text, DateTimeOffset At)>(new BoundedChannelOptions(options.ReceiveBufferMessages) { SingleReader = true, SingleWriter = true });
            var reader = ReceiveAsync(socket, messages.Writer, connection.Token);

            // Connected first, backfilled second: whatever closes meanwhile is already buffered on the socket.
            await BackfillAsync(current, connection.Token).ConfigureAwait(false);
            await foreach (var (text, at) in messages.Reader.ReadAllAsync(connection.Token).ConfigureAwait(false))
            {
                received = true;
                if (await HandleMessageAsync(text, at, connection.Token).ConfigureAwait(false) is ServerShutdownEvent)
                {
                    BinanceStreamLog.ServerShutdown(logger);
                    await CloseQuietlyAsync(socket).ConfigureAwait(false);
                    return new ConnectionOutcome("server-shutdown", true, true);
                }

                if (messages.Reader.Count == 0)
                {
                    // Caught up with the socket: let the status (and checkpoints) see everything acknowledged so far.
                    await DrainAsync().ConfigureAwait(false);
                }
            }

            await reader.ConfigureAwait(false);
            return new ConnectionOutcome("closed-by-server: " + socket.CloseStatusDescription, false, received);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            await CloseQuietlyAsync(socket).ConfigureAwait(false);
            bool changed;
            lock (symbolsLock)
            {
                changed = symbolsChanged;
            }

            return changed ? new ConnectionOutcome("symbols-changed", true, received)
                : connected ? new ConnectionOutcome("lifetime", true, received)
                : new ConnectionOutcome("connect-timeout", false, received);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested && IsTransient(ex))
        {
            lastError = ex.Message;
            activity?.SetStatus(ActivityStatusCode.Error, ex.Message);
            BinanceStreamLog.ConnectionFailed(logger, uri, ex.Message);
            return new ConnectionOutcome(ex.GetType().Name, false, received);
        }
        finally
        {
            // Everything handed to the sink is acknowledged before the next connection computes its backfill start.
            await DrainAsync().ConfigureAwait(false);
            connected = false;
            lock (symbolsLock)
            {
                connectionCancel = null;
            }
        }
    }

    private static bool IsTransient(Exception ex) => ex switch
    {
        WebSocketException or IOException or HttpRequestException or ChannelClosedException => true,
        BinanceApiException api => api.HttpStatus is 0 or 429 or 418 or >= 500,
        _ => false,
    };

    private Uri StreamUri(string[] current)
    {
        var streams = string.Join('/', current.Select(s => s.ToLowerInvariant() + "@kline_" + options.Interval.Code));
        var unit = rest.Options.TimeUnit == BinanceTimeUnit.Microsecond ? "&timeUnit=MICROSECOND" : "";
        return new Uri(rest.Options.StreamBaseUri, "stream?streams=" + streams + unit);
    }

    private async Task CheckSymbolsAsync(IReadOnlyCollection<string> wanted, CancellationToken cancellationToken)
    {
        // An unknown symbol is a configuration error Binance reports (-1121); the stream itself would just stay silent.
        var info = await rest.GetExchangeInfoAsync(wanted, cancellationToken).ConfigureAwait(false);
        var missing = wanted.Except(info.Symbols.Select(s => s.Symbol), StringComparer.Ordinal).ToList();
        if (missing.Count > 0)
        {
            throw new BinanceApiException($"The exchange does not list {string.Join(", ", missing)}.", 400, -1121);
        }
    }

    private async Task ReceiveAsync(ClientWebSocket socket, ChannelWriter<(string, DateTimeOffset)> writer, CancellationToken cancellationToken)
    {
        var buffer = new ArrayBufferWriter<byte>(16 * 1024);
        try
        {
            while (true)
            {
                var result = await socket.ReceiveAsync(buffer.GetMemory(8 * 1024), cancellationToken).ConfigureAwait(false);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    writer.TryComplete();
                    return;
                }

                buffer.Advance(result.Count);
                if (result.EndOfMessage)
                {
                    var at = time.GetUtcNow();
                    Interlocked.Exchange(ref lastMessageTicks, at.UtcTicks);
                    await writer.WriteAsync((Encoding.UTF8.GetString(buffer.WrittenSpan), at), cancellationToken).ConfigureAwait(false);
                    buffer.ResetWrittenCount();
                }
            }
        }
        catch (Exception ex)
        {
            writer.TryComplete(ex is OperationCanceledException ? null : ex);
        }
    }

    private async Task<BinanceStreamEvent?> HandleMessageAsync(string text, DateTimeOffset receivedAt, CancellationToken cancellationToken)
    {
        BinanceStreamEvent parsed;
        try
        {
            parsed = BinanceStreamParser.Parse(text);
        }
        catch (FormatException ex)
        {
            await DeadLetterAsync(streamSource, "malformed message: " + ex.Message, text, receivedAt, null, cancellationToken).ConfigureAwait(false);
            return null;
        }

        if (parsed is not KlineStreamEvent kline)
        {
            return parsed;
        }

        Interlocked.Exchange(ref lastEventTicks, Math.Max(Interlocked.Read(ref lastEventTicks), kline.EventTime.UtcTicks));
        if (!symbols.TryGetValue(kline.Symbol, out var state) || kline.Interval != options.Interval)
        {
            await DeadLetterAsync(streamSource, $"unexpected stream {kline.Stream}: not subscribed", text, receivedAt, kline.Symbol, cancellationToken).ConfigureAwait(false);
            return null;
        }

        if (kline.IsClosed)
        {
            if (state.Last is { } last && kline.Kline.OpenTime > last + options.Interval.Length && !state.Delivered.Contains(kline.Kline.OpenTime))
            {
                // A hole: a closed kline between the last one and this one never arrived (lost message, dropped frame).
                await FillAsync(kline.Symbol, state, last + options.Interval.Length, kline.Kline.OpenTime, cancellationToken).ConfigureAwait(false);
            }

            await DeliverClosedAsync(kline.Symbol, state, kline.Kline, text, streamSource, receivedAt, backfilled: false, cancellationToken).ConfigureAwait(false);
        }
        else if (KlineValidator.Check(kline.Kline, options.Interval) is { } problem)
        {
            // Invalid partial updates are dead-lettered even when partials are not delivered: the feed is suspect.
            await DeadLetterAsync(streamSource, $"invalid kline: {problem.Reason}: {problem.Detail}", text, receivedAt, kline.Symbol, cancellationToken).ConfigureAwait(false);
        }
        else if (options.IncludePartialKlines)
        {
            if (!(state.Last >= kline.Kline.OpenTime) && !state.Delivered.Contains(kline.Kline.OpenTime))
            {
                // A partial update of a kline that already closed is stale and would move the consumer backwards.
                Interlocked.Increment(ref partialKlines);
                BinanceInstrumentation.Klines.Add(1, new("origin", "stream"), new("closed", false));
                await PublishAsync(new StreamedKline(kline.Symbol, options.Interval, kline.Kline, false, streamSource, receivedAt), null, cancellationToken).ConfigureAwait(false);
            }
        }

        return kline;
    }

    private async Task BackfillAsync(string[] current, CancellationToken cancellationToken)
    {
        using var activity = BinanceInstrumentation.ActivitySource.StartActivity("binance.stream.backfill");
        DateTimeOffset? serverNow = null;
        foreach (var symbol in current)
        {
            var state = symbols[symbol];
            var stored = await lastStored(symbol, options.Interval, cancellationToken).ConfigureAwait(false);
            var last = Max(stored, state.Last);
            var from = last is { } l ? l + options.Interval.Length : options.BackfillFrom;
            if (from is null)
            {
                continue;
            }

            state.Last ??= stored;
            serverNow ??= await rest.GetServerTimeAsync(cancellationToken).ConfigureAwait(false);
            var delivered = await FillAsync(symbol, state, from.Value, serverNow.Value, cancellationToken).ConfigureAwait(false);
            BinanceStreamLog.Backfilled(logger, symbol, delivered, from.Value);
        }
    }

    /// <summary>Delivers by REST every closed kline with open time in [from, to) that this session has not delivered.</summary>
    private async Task<int> FillAsync(string symbol, SymbolState state, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken)
    {
        var delivered = 0;
        await foreach (var row in rest.GetKlineRangeAsync(symbol, options.Interval, from, to, cancellationToken).ConfigureAwait(false))
        {
            // The newest row may still be forming: only klines whose interval has ended before `to` are final.
            if (row.Kline.OpenTime + options.Interval.Length > to)
            {
                continue;
            }

            if (await DeliverClosedAsync(symbol, state, row.Kline, row.RawJson, restSource, time.GetUtcNow(), backfilled: true, cancellationToken).ConfigureAwait(false))
            {
                delivered++;
            }
        }

        return delivered;
    }

    private async Task<bool> DeliverClosedAsync(string symbol, SymbolState state, Kline kline, string raw, string source, DateTimeOffset receivedAt, bool backfilled, CancellationToken cancellationToken)
    {
        if (KlineValidator.Check(kline, options.Interval) is { } problem)
        {
            await DeadLetterAsync(source, $"invalid kline: {problem.Reason}: {problem.Detail}", raw, receivedAt, symbol, cancellationToken).ConfigureAwait(false);
            return false;
        }

        if (!state.Delivered.Add(kline.OpenTime))
        {
            Interlocked.Increment(ref duplicates);
            BinanceInstrumentation.Duplicates.Add(1);
            return false;
        }

        state.Last = Max(state.Last, kline.OpenTime);
        Interlocked.Increment(ref closedKlines);
        if (backfilled)
        {
            Interlocked.Increment(ref backfilledKlines);
        }

        BinanceInstrumentation.Klines.Add(1, new("origin", backfilled ? "backfill" : "stream"), new("closed", true));
        await PublishAsync(new StreamedKline(symbol, options.Interval, kline, true, source, receivedAt), symbol, cancellationToken).ConfigureAwait(false);
        return true;
    }

    private async Task PublishAsync(StreamedKline kline, string? closedSymbol, CancellationToken cancellationToken)
    {
        if (inFlight.Count >= options.MaxPublishesInFlight)
        {
            await CompleteOldestAsync().ConfigureAwait(false);
        }

        inFlight.Enqueue((sink.PublishAsync(kline, cancellationToken), closedSymbol ?? "", kline.Kline.OpenTime));
        while (inFlight.TryPeek(out var oldest) && oldest.Publish.IsCompleted)
        {
            await CompleteOldestAsync().ConfigureAwait(false);
        }
    }

    private async Task CompleteOldestAsync()
    {
        var (publish, symbol, openTime) = inFlight.Dequeue();
        await publish.ConfigureAwait(false);
        if (symbol.Length > 0)
        {
            acknowledged.AddOrUpdate(symbol, openTime, (_, previous) => previous > openTime ? previous : openTime);
        }
    }

    private async Task DrainAsync()
    {
        while (inFlight.Count > 0)
        {
            await CompleteOldestAsync().ConfigureAwait(false);
        }
    }

    private async Task DeadLetterAsync(string source, string reason, string raw, DateTimeOffset receivedAt, string? symbol, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref deadLettered);
        BinanceInstrumentation.DeadLetters.Add(1);
        BinanceStreamLog.DeadLettered(logger, reason);

        // Keep order with the klines before it, so a sink sees records as the stream sent them.
        await DrainAsync().ConfigureAwait(false);
        await sink.DeadLetterAsync(new KlineDeadLetter(source, reason, raw, receivedAt, symbol), cancellationToken).ConfigureAwait(false);
    }

    private async Task WaitForConnectBudgetAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        while (attempts.Count > 0 && now - attempts.Peek() >= AttemptWindow)
        {
            attempts.Dequeue();
        }

        if (attempts.Count >= options.MaxConnectAttemptsPer5Minutes)
        {
            var wait = attempts.Peek() + AttemptWindow - now;
            BinanceStreamLog.ConnectBudget(logger, options.MaxConnectAttemptsPer5Minutes, wait);
            await Task.Delay(wait, time, cancellationToken).ConfigureAwait(false);
            attempts.Dequeue();
        }

        attempts.Enqueue(time.GetUtcNow());
    }

    private static TimeSpan Jitter(TimeSpan delay) => TimeSpan.FromTicks((long)(delay.Ticks * (0.5 + (Random.Shared.NextDouble() * 0.5))));

    private static DateTimeOffset? Max(DateTimeOffset? a, DateTimeOffset? b) => a is null ? b : b is null ? a : a > b ? a : b;

    private static async Task CloseQuietlyAsync(ClientWebSocket socket)
    {
        if (socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
        {
            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "reconnecting", timeout.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or IOException)
            {
                // The connection is being abandoned either way.
            }
        }
    }

    /// <summary>What the session knows of one symbol: the newest closed open time and every closed open time delivered.</summary>
    private sealed class SymbolState
    {
        public DateTimeOffset? Last { get; set; }

        public HashSet<DateTimeOffset> Delivered { get; } = [];
    }
}

internal static partial class BinanceStreamLog
{
    [LoggerMessage(Level = LogLevel.Information, Message = "Connected to {Uri} ({Streams} streams)")]
    public static partial void Connected(ILogger logger, Uri uri, int streams);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Stream connection to {Uri} failed: {Reason}")]
    public static partial void ConnectionFailed(ILogger logger, Uri uri, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Reconnecting ({Reason}) in {Wait}")]
    public static partial void Reconnecting(ILogger logger, string reason, TimeSpan wait);

    [LoggerMessage(Level = LogLevel.Information, Message = "serverShutdown received: reconnecting now")]
    public static partial void ServerShutdown(ILogger logger);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Symbol}: backfilled {Count} closed klines from {From}")]
    public static partial void Backfilled(ILogger logger, string symbol, int count, DateTimeOffset from);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Dead-lettered a stream message: {Reason}")]
    public static partial void DeadLettered(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Max} connection attempts in 5 minutes reached: waiting {Wait}")]
    public static partial void ConnectBudget(ILogger logger, int max, TimeSpan wait);
}
