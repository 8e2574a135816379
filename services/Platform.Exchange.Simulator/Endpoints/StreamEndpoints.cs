using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Threading.Channels;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Platform.Exchange.Simulator.Endpoints;

/// <summary>
/// Binance market streams: combined (<c>/stream?streams=btcusdt@kline_1h/...</c>, events wrapped as
/// <c>{"stream":...,"data":...}</c>) and raw (<c>/ws/btcusdt@kline_1h</c>). The server pings at the configured interval
/// and drops a connection whose pong does not come back; SUBSCRIBE / UNSUBSCRIBE / LIST_SUBSCRIPTIONS are answered.
/// Stream faults of <see cref="FaultSpec"/> are applied per connection.
/// </summary>
internal static partial class StreamEndpoints
{
    private static readonly TimeSpan ReorderWait = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan FlushGrace = TimeSpan.FromMilliseconds(50);

    public static void Map(IEndpointRouteBuilder app, MarketReplay replay, SimulatorOptions options)
    {
        app.Map("/stream", context => HandleAsync(context, replay, options, context.Request.Query["streams"].ToString()));
        app.Map("/ws/{**streams}", context => HandleAsync(context, replay, options, context.Request.RouteValues["streams"]?.ToString() ?? ""));
    }

    private static async Task HandleAsync(HttpContext context, MarketReplay replay, SimulatorOptions options, string streams)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            await BinanceHttp.WriteErrorAsync(context.Response, 400, BinanceHttp.IllegalParameter, "This endpoint expects a WebSocket upgrade.").ConfigureAwait(false);
            return;
        }

        var (symbols, problem) = ParseStreams(streams.Split('/', StringSplitOptions.RemoveEmptyEntries), replay);
        if (problem is not null)
        {
            await BinanceHttp.WriteErrorAsync(context.Response, 400, BinanceHttp.InvalidSymbol, problem).ConfigureAwait(false);
            return;
        }

        using var socket = await context.WebSockets.AcceptWebSocketAsync(new WebSocketAcceptContext
        {
            KeepAliveInterval = options.PingInterval,
            KeepAliveTimeout = options.PongTimeout,
        }).ConfigureAwait(false);
        var (id, subscriber) = replay.Subscribe(symbols, BinanceHttp.WantsMicroseconds(context.Request));
        using var lifetime = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
        if (options.Faults.Lifetime is { } maxAge)
        {
            lifetime.CancelAfter(maxAge);
        }

        var sendLock = new SemaphoreSlim(1, 1);
        try
        {
            var control = ReceiveControlAsync(socket, subscriber, replay, sendLock, lifetime);
            await SendEventsAsync(socket, subscriber, replay, options.Faults, sendLock, () => DropAsync(context, socket), lifetime.Token).ConfigureAwait(false);
            await lifetime.CancelAsync().ConfigureAwait(false);
            await control.ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException or WebSocketException or IOException or ChannelClosedException)
        {
            // The client went away, fell too far behind, or the connection reached its lifetime.
        }
        finally
        {
            replay.Unsubscribe(id);
            if (socket.State == WebSocketState.Open)
            {
                try
                {
                    using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(1));
                    await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "connection lifetime reached", timeout.Token).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is OperationCanceledException or WebSocketException or IOException)
                {
                    // Closing is best effort.
                }
            }
        }
    }

    private static (List<string> Symbols, string? Problem) ParseStreams(IEnumerable<string> names, MarketReplay replay)
    {
        var symbols = new List<string>();
        foreach (var name in names)
        {
            var match = StreamName().Match(name);
            if (!match.Success || match.Groups[2].Value != replay.Interval.Code)
            {
                return ([], $"Invalid stream '{name}': this simulator serves <symbol>@kline_{replay.Interval.Code}.");
            }

            var symbol = match.Groups[1].Value.ToUpperInvariant();
            if (!replay.HasSymbol(symbol))
            {
                return ([], $"Invalid symbol '{symbol}'.");
            }

            symbols.Add(symbol);
        }

        return symbols.Count > 1024 ? ([], "At most 1024 streams per connection.") : (symbols, null);
    }

    /// <summary>
    /// Ends the TCP connection without a WebSocket close handshake, as a network failure would. The send side is shut
    /// down (FIN, not RST), so frames already sent still reach the client before it sees the connection end.
    /// </summary>
    private static async Task DropAsync(HttpContext context, WebSocket socket)
    {
        // Kestrel writes frames to the socket asynchronously: give those already sent a moment to leave.
        await Task.Delay(FlushGrace).ConfigureAwait(false);
        if (context.Features.Get<Microsoft.AspNetCore.Connections.Features.IConnectionSocketFeature>()?.Socket is { } tcp)
        {
            try
            {
                tcp.Shutdown(System.Net.Sockets.SocketShutdown.Send);
                return;
            }
            catch (System.Net.Sockets.SocketException)
            {
                // Already gone: abort below.
            }
        }

        socket.Abort();
    }

    private static async Task SendEventsAsync(WebSocket socket, StreamSubscriber subscriber, MarketReplay replay, FaultSpec faults, SemaphoreSlim sendLock, Func<Task> drop, CancellationToken cancellationToken)
    {
        var stats = replay.Stats;
        var reader = subscriber.Queue.Reader;
        string? held = null;
        while (true)
        {
            ReplayEvent? next;
            if (held is null)
            {
                if (!await reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    return;
                }

                reader.TryRead(out next);
            }
            else
            {
                // A reordered event waits for the one after it, but not forever (the replay may have paused or ended).
                using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                wait.CancelAfter(ReorderWait);
                try
                {
                    next = await reader.ReadAsync(wait.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    next = null;
                }
            }

            if (next is null)
            {
                await SendAsync(socket, held!, sendLock, cancellationToken).ConfigureAwait(false);
                held = null;
                continue;
            }

            // Fault counters run over the whole server, so "every N-th event" holds across reconnects.
            var sent = Interlocked.Increment(ref stats.EventsDequeued);
            var text = next.Json(subscriber.Micro);

            // A corrupted frame goes out before a drop at the same count, so both faults happen.
            if (faults.Malformed > 0 && sent % faults.Malformed == 0)
            {
                var kind = Interlocked.Increment(ref stats.Malformed) - 1;
                await SendAsync(socket, Corrupt(text, (int)(kind % 4)), sendLock, cancellationToken).ConfigureAwait(false);
            }

            if (faults.Drop > 0 && sent % faults.Drop == 0)
            {
                Interlocked.Increment(ref stats.Dropped);
                await drop().ConfigureAwait(false);
                return;
            }

            if (faults.Delay > TimeSpan.Zero)
            {
                await Task.Delay(faults.Delay, cancellationToken).ConfigureAwait(false);
            }

            if (held is null && faults.OutOfOrder > 0 && sent % faults.OutOfOrder == 0)
            {
                Interlocked.Increment(ref stats.Reordered);
                held = text;
                continue;
            }

            await SendAsync(socket, text, sendLock, cancellationToken).ConfigureAwait(false);
            Interlocked.Increment(ref stats.EventsSent);
            if (held is not null)
            {
                await SendAsync(socket, held, sendLock, cancellationToken).ConfigureAwait(false);
                held = null;
            }

            if (faults.Duplicate > 0 && sent % faults.Duplicate == 0)
            {
                Interlocked.Increment(ref stats.Duplicated);
                await SendAsync(socket, text, sendLock, cancellationToken).ConfigureAwait(false);
            }

            if (faults.Shutdown > 0 && sent % faults.Shutdown == 0)
            {
                Interlocked.Increment(ref stats.Shutdowns);
                await SendAsync(socket, KlinePayloads.ServerShutdown(replay.Clock, subscriber.Micro), sendLock, cancellationToken).ConfigureAwait(false);
                return;
            }
        }
    }

    /// <summary>The four kinds of corruption, in turn: truncated JSON, a non-numeric price, high below low, not JSON at all.</summary>
    private static string Corrupt(string text, int kind) => (kind % 4) switch
    {
        0 => text[..(text.Length / 2)],
        1 => OpenField().Replace(text, "\"o\":\"not-a-number\"", 1),
        2 => HighField().Replace(text, "\"h\":\"0.00000001\"", 1),
        _ => "\u0001\u0002 corrupted frame \u00ff",
    };

    private static async Task SendAsync(WebSocket socket, string text, SemaphoreSlim sendLock, CancellationToken cancellationToken)
    {
        await sendLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, true, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            sendLock.Release();
        }
    }

    /// <summary>Reads client frames: control requests are answered; a close ends the connection.</summary>
    private static async Task ReceiveControlAsync(WebSocket socket, StreamSubscriber subscriber, MarketReplay replay, SemaphoreSlim sendLock, CancellationTokenSource connection)
    {
        var buffer = new byte[4096];
        try
        {
            while (true)
            {
                var message = new MemoryStream();
                WebSocketReceiveResult result;
                do
                {
                    result = await socket.ReceiveAsync(buffer, connection.Token).ConfigureAwait(false);
                    if (result.MessageType == WebSocketMessageType.Close)
                    {
                        subscriber.Queue.Writer.TryComplete();
                        return;
                    }

                    message.Write(buffer, 0, result.Count);
                }
                while (!result.EndOfMessage);

                var answer = AnswerControl(Encoding.UTF8.GetString(message.ToArray()), subscriber, replay);
                await SendAsync(socket, answer, sendLock, connection.Token).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or WebSocketException or IOException)
        {
            subscriber.Queue.Writer.TryComplete();
        }
    }

    private static string AnswerControl(string text, StreamSubscriber subscriber, MarketReplay replay)
    {
        try
        {
            using var request = JsonDocument.Parse(text);
            var root = request.RootElement;
            var id = root.TryGetProperty("id", out var idValue) ? idValue.GetRawText() : "null";
            var method = root.TryGetProperty("method", out var m) ? m.GetString() : null;
            var names = root.TryGetProperty("params", out var p) && p.ValueKind == JsonValueKind.Array ? p.EnumerateArray().Select(e => e.GetString() ?? "").ToList() : [];
            switch (method)
            {
                case "SUBSCRIBE" or "UNSUBSCRIBE":
                    var (symbols, problem) = ParseStreams(names, replay);
                    if (problem is not null)
                    {
                        return JsonSerializer.Serialize(new { code = 2, msg = problem }).TrimEnd('}') + ",\"id\":" + id + "}";
                    }

                    if (method == "SUBSCRIBE")
                    {
                        subscriber.Subscribe(symbols);
                    }
                    else
                    {
                        subscriber.Unsubscribe(symbols);
                    }

                    return "{\"result\":null,\"id\":" + id + "}";
                case "LIST_SUBSCRIPTIONS":
                    return "{\"result\":" + JsonSerializer.Serialize(subscriber.Symbols.Order(StringComparer.Ordinal).Select(s => s.ToLowerInvariant() + "@kline_" + replay.Interval.Code)) + ",\"id\":" + id + "}";
                default:
                    return "{\"code\":1,\"msg\":\"Unknown method.\",\"id\":" + id + "}";
            }
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            return "{\"code\":3,\"msg\":\"Invalid JSON: expected a request such as {\\\"method\\\":\\\"SUBSCRIBE\\\",\\\"params\\\":[...],\\\"id\\\":1}.\"}";
        }
    }

    [GeneratedRegex("^([a-z0-9]{2,20})@kline_([0-9]+[smhdwM])$")]
    private static partial Regex StreamName();

    [GeneratedRegex("\"o\":\"[^\"]*\"")]
    private static partial Regex OpenField();

    [GeneratedRegex("\"h\":\"[^\"]*\"")]
    private static partial Regex HighField();
}
