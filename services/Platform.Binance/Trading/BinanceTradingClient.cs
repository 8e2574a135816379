using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Platform.Binance.Trading;

/// <summary>
/// Binance Spot trading over SIGNED REST endpoints: orders (MARKET, LIMIT; <c>newClientOrderId</c>; FULL answers),
/// test orders, queries by client order id, cancel, open and all orders, account, my trades, and the symbol filters.
/// <para>
/// Requests carry <c>timestamp</c> (server time: local clock plus the offset measured at the server's time endpoint)
/// and <c>recvWindow</c>; the signature covers the exact percent-encoded payload. A <c>-1021</c> answer resyncs the
/// offset and resends once (the server rejected it, so it was not executed).
/// </para>
/// <para>
/// Reads are retried after 5XX, timeouts and 429 (within Retry-After). Order writes never are: a 5XX, a timeout or a
/// broken connection after sending throws <see cref="BinanceOrderStatusUnknownException"/>, and the caller queries by
/// client order id before anything else. Refusals throw <see cref="BinanceTradingException"/> with a
/// <see cref="BinanceErrorKind"/>. Keys, secrets and signatures are never logged, traced or put in a message.
/// </para>
/// </summary>
public sealed class BinanceTradingClient
{
    private readonly HttpClient http;
    private readonly BinanceTradingOptions options;
    private readonly BinanceCredentials credentials;
    private readonly ILogger logger;
    private readonly TimeProvider time;
    private readonly Uri baseUri;
    private readonly Dictionary<string, SymbolFilters> filters = new(StringComparer.Ordinal);
    private long offsetTicks;
    private int synced;

    public BinanceTradingClient(HttpClient http, BinanceTradingOptions options, BinanceCredentials credentials, ILogger<BinanceTradingClient>? logger = null, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(credentials);
        options.Validate();
        this.http = http;
        this.options = options;
        this.credentials = credentials;
        this.logger = logger ?? (ILogger)NullLogger.Instance;
        time = timeProvider ?? TimeProvider.System;
        baseUri = options.ResolvedBaseUri;
    }

    public BinanceTradingOptions Options => options;

    /// <summary>Server request clock minus the local clock, as last measured.</summary>
    public TimeSpan ServerTimeOffset => TimeSpan.FromTicks(Interlocked.Read(ref offsetTicks));

    /// <summary>Measures <see cref="ServerTimeOffset"/>: the server's time against the midpoint of the round trip.</summary>
    public async Task SyncTimeAsync(CancellationToken cancellationToken = default)
    {
        var sent = time.GetUtcNow();
        var server = await SendAsync(HttpMethod.Get, options.TimeSyncPath, [], signed: false, write: null, root =>
            DateTimeOffset.FromUnixTimeMilliseconds(root.GetProperty("serverTime").GetInt64()), cancellationToken).ConfigureAwait(false);
        var received = time.GetUtcNow();
        var offset = server - (sent + ((received - sent) / 2));
        Interlocked.Exchange(ref offsetTicks, offset.Ticks);
        Interlocked.Exchange(ref synced, 1);
        TradingLog.TimeSynced(logger, offset);
    }

    /// <summary>The symbol's <c>exchangeInfo</c> filters (read once, then cached).</summary>
    public async Task<SymbolFilters> GetFiltersAsync(string symbol, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(symbol);
        symbol = symbol.ToUpperInvariant();
        lock (filters)
        {
            if (filters.TryGetValue(symbol, out var cached))
            {
                return cached;
            }
        }

        var parsed = await SendAsync(HttpMethod.Get, "api/v3/exchangeInfo", [("symbol", symbol)], signed: false, write: null, root =>
            SymbolFilters.Parse(root.GetProperty("symbols")[0].GetProperty("filters").EnumerateArray().Select(f => f.GetRawText()).ToList()), cancellationToken).ConfigureAwait(false);
        lock (filters)
        {
            filters[symbol] = parsed;
        }

        return parsed;
    }

    /// <summary>
    /// Places an order (<c>POST /api/v3/order</c>, <c>newOrderRespType=FULL</c>) exactly as given; round it first with
    /// <see cref="OrderFilters.Apply"/> (or use <see cref="PlaceFilteredOrderAsync"/>). Throws
    /// <see cref="BinanceOrderStatusUnknownException"/> when no definite answer came back.
    /// </summary>
    public Task<BinanceOrder> PlaceOrderAsync(NewOrder order, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(order);
        return SendAsync(HttpMethod.Post, "api/v3/order", OrderParameters(order), signed: true, write: order, ParseOrder, cancellationToken);
    }

    /// <summary>Rounds and checks the order against the symbol's filters (at <paramref name="referencePrice"/> for MARKET), then places it.</summary>
    public async Task<BinanceOrder> PlaceFilteredOrderAsync(NewOrder order, decimal referencePrice, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(order);
        var symbolFilters = await GetFiltersAsync(order.Symbol, cancellationToken).ConfigureAwait(false);
        var open = symbolFilters.MaxNumOrders > 0 ? (await GetOpenOrdersAsync(order.Symbol, cancellationToken).ConfigureAwait(false)).Count : 0;
        return await PlaceOrderAsync(OrderFilters.Apply(order, symbolFilters, referencePrice, open), cancellationToken).ConfigureAwait(false);
    }

    /// <summary><c>POST /api/v3/order/test</c>: validates the order (signature, parameters, filters) without placing it.</summary>
    public Task TestOrderAsync(NewOrder order, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(order);
        return SendAsync(HttpMethod.Post, "api/v3/order/test", OrderParameters(order), signed: true, write: null, _ => true, cancellationToken);
    }

    /// <summary><c>GET /api/v3/order</c> by <c>origClientOrderId</c>; null when the exchange has no such order (-2013).</summary>
    public async Task<BinanceOrder?> GetOrderAsync(string symbol, string clientOrderId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(symbol);
        ArgumentException.ThrowIfNullOrWhiteSpace(clientOrderId);
        try
        {
            return await SendAsync(HttpMethod.Get, "api/v3/order", [("symbol", symbol.ToUpperInvariant()), ("origClientOrderId", clientOrderId)], signed: true, write: null, ParseOrder, cancellationToken).ConfigureAwait(false);
        }
        catch (BinanceTradingException e) when (e.Kind == BinanceErrorKind.UnknownOrder)
        {
            return null;
        }
    }

    /// <summary>
    /// After <see cref="BinanceOrderStatusUnknownException"/>: the order as the exchange has it, or null when it was never
    /// placed (only then may the same order be sent again, with the same client order id). Reads retry on their own.
    /// </summary>
    public Task<BinanceOrder?> ResolveUnknownAsync(BinanceOrderStatusUnknownException unknown, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(unknown);
        return GetOrderAsync(unknown.Symbol, unknown.ClientOrderId, cancellationToken);
    }

    /// <summary><c>DELETE /api/v3/order</c> by <c>origClientOrderId</c>; an unknown or finished order throws <see cref="BinanceErrorKind.UnknownOrder"/>.</summary>
    public Task<BinanceOrder> CancelOrderAsync(string symbol, string clientOrderId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(symbol);
        ArgumentException.ThrowIfNullOrWhiteSpace(clientOrderId);
        var order = new NewOrder(symbol.ToUpperInvariant(), OrderSide.Buy, OrderType.Limit, 0, clientOrderId);
        return SendAsync(HttpMethod.Delete, "api/v3/order", [("symbol", order.Symbol), ("origClientOrderId", clientOrderId)], signed: true, write: order, ParseOrder, cancellationToken);
    }

    /// <summary><c>GET /api/v3/openOrders</c> for one symbol, or all (weight 80).</summary>
    public Task<IReadOnlyList<BinanceOrder>> GetOpenOrdersAsync(string? symbol = null, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Get, "api/v3/openOrders", symbol is null ? [] : [("symbol", symbol.ToUpperInvariant())], signed: true, write: null, ParseOrders, cancellationToken);

    /// <summary><c>GET /api/v3/allOrders</c>: every order of the symbol, oldest first (up to <paramref name="limit"/>, max 1000).</summary>
    public Task<IReadOnlyList<BinanceOrder>> GetAllOrdersAsync(string symbol, int limit = 500, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(symbol);
        return SendAsync(HttpMethod.Get, "api/v3/allOrders", [("symbol", symbol.ToUpperInvariant()), ("limit", limit.ToString(CultureInfo.InvariantCulture))], signed: true, write: null, ParseOrders, cancellationToken);
    }

    public Task<BinanceAccount> GetAccountAsync(CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Get, "api/v3/account", [("omitZeroBalances", "true")], signed: true, write: null, root => new BinanceAccount(
            root.GetProperty("canTrade").GetBoolean(),
            Decimal(root.GetProperty("commissionRates"), "maker"),
            Decimal(root.GetProperty("commissionRates"), "taker"),
            [.. root.GetProperty("balances").EnumerateArray().Select(b => new AssetBalance(b.GetProperty("asset").GetString()!, Decimal(b, "free"), Decimal(b, "locked")))])
        {
            Uid = root.TryGetProperty("uid", out var uid) && uid.ValueKind == JsonValueKind.Number ? uid.GetInt64() : null,
        }, cancellationToken);

    /// <summary><c>GET /api/v3/ticker/price</c>: the symbol's last traded price.</summary>
    public Task<decimal> GetLastPriceAsync(string symbol, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(symbol);
        return SendAsync(HttpMethod.Get, "api/v3/ticker/price", [("symbol", symbol.ToUpperInvariant())], signed: false, write: null, root => Decimal(root, "price"), cancellationToken);
    }

    /// <summary><c>GET /api/v3/myTrades</c>: the account's fills on the symbol, oldest first.</summary>
    public Task<IReadOnlyList<BinanceTrade>> GetMyTradesAsync(string symbol, int limit = 500, CancellationToken cancellationToken = default) =>
        GetMyTradesAsync(symbol, limit, orderId: null, cancellationToken);

    /// <summary><c>GET /api/v3/myTrades</c> of one order (<paramref name="orderId"/>), or of the symbol when null.</summary>
    public Task<IReadOnlyList<BinanceTrade>> GetMyTradesAsync(string symbol, int limit, long? orderId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(symbol);
        List<(string, string)> parameters = [("symbol", symbol.ToUpperInvariant()), ("limit", limit.ToString(CultureInfo.InvariantCulture))];
        if (orderId is { } id)
        {
            parameters.Add(("orderId", id.ToString(CultureInfo.InvariantCulture)));
        }

        return SendAsync<IReadOnlyList<BinanceTrade>>(HttpMethod.Get, "api/v3/myTrades", parameters, signed: true, write: null, root =>
            [.. root.EnumerateArray().Select(t => new BinanceTrade(
                t.GetProperty("symbol").GetString()!, t.GetProperty("id").GetInt64(), t.GetProperty("orderId").GetInt64(), Decimal(t, "price"), Decimal(t, "qty"), Decimal(t, "quoteQty"),
                Decimal(t, "commission"), t.GetProperty("commissionAsset").GetString()!, DateTimeOffset.FromUnixTimeMilliseconds(t.GetProperty("time").GetInt64()),
                t.GetProperty("isBuyer").GetBoolean(), t.GetProperty("isMaker").GetBoolean()))], cancellationToken);
    }

    /// <summary>The exact form Binance expects: invariant culture, no exponent, no trailing zeros.</summary>
    public static string FormatDecimal(decimal value) => (value / 1.0000000000000000000000000000m).ToString("0.############################", CultureInfo.InvariantCulture);

    /// <summary>Percent-encodes parameters into the payload that is signed and sent (RFC 3986 unreserved characters kept).</summary>
    public static string EncodePayload(IEnumerable<(string Name, string Value)> parameters) =>
        string.Join('&', parameters.Select(p => Uri.EscapeDataString(p.Name) + "=" + Uri.EscapeDataString(p.Value)));

    private static List<(string, string)> OrderParameters(NewOrder order)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(order.ClientOrderId);
        var list = new List<(string, string)>
        {
            ("symbol", order.Symbol.ToUpperInvariant()),
            ("side", order.Side == OrderSide.Buy ? "BUY" : "SELL"),
            ("type", order.Type == OrderType.Market ? "MARKET" : "LIMIT"),
        };
        if (order.Type == OrderType.Limit)
        {
            list.Add(("timeInForce", order.TimeInForce));
            list.Add(("price", FormatDecimal(order.Price ?? throw new ArgumentException($"LIMIT order {order.ClientOrderId} needs a price.", nameof(order)))));
        }

        list.Add(("quantity", FormatDecimal(order.Quantity)));
        list.Add(("newClientOrderId", order.ClientOrderId));
        list.Add(("newOrderRespType", "FULL"));
        return list;
    }

    private async Task<T> SendAsync<T>(HttpMethod method, string path, IReadOnlyList<(string, string)> parameters, bool signed, NewOrder? write, Func<JsonElement, T> read, CancellationToken cancellationToken)
    {
        using var activity = BinanceInstrumentation.ActivitySource.StartActivity("binance.trade " + method.Method + " " + path, ActivityKind.Client);
        activity?.SetTag("binance.mode", options.Mode.ToString());
        if (write is not null)
        {
            activity?.SetTag("binance.client_order_id", write.ClientOrderId);
        }

        if (signed && Volatile.Read(ref synced) == 0)
        {
            await SyncTimeAsync(cancellationToken).ConfigureAwait(false);
        }

        var resynced = false;
        for (var attempt = 0; ; attempt++)
        {
            using var request = BuildRequest(method, path, parameters, signed);
            HttpResponseMessage response;
            string body;
            try
            {
                (response, body) = await BinanceTransport.SendAsync(http, request, options.RequestTimeout, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested && ex is HttpRequestException or OperationCanceledException or IOException)
            {
                var reason = ex is OperationCanceledException ? $"no answer within {options.RequestTimeout.TotalSeconds:0.###} s" : "connection failed: " + ex.GetType().Name;
                BinanceInstrumentation.TradeRequests.Add(1, new("path", path), new("status", 0));
                if (write is not null)
                {
                    activity?.SetStatus(ActivityStatusCode.Error, "status unknown");
                    TradingLog.StatusUnknown(logger, path, write.ClientOrderId, reason);
                    throw new BinanceOrderStatusUnknownException(write.Symbol, write.ClientOrderId, reason, ex);
                }

                if (attempt >= options.MaxReadRetries)
                {
                    throw new BinanceTradingException($"{method.Method} {path}: {reason} after {attempt + 1} attempts.", BinanceErrorKind.Rejected, 0, null);
                }

                await WaitAsync(path, 0, Backoff(attempt), reason, cancellationToken).ConfigureAwait(false);
                continue;
            }

            using (response)
            {
                var status = (int)response.StatusCode;
                BinanceInstrumentation.TradeRequests.Add(1, new("path", path), new("status", status));
                activity?.SetTag("http.response.status_code", status);
                if (response.IsSuccessStatusCode)
                {
                    try
                    {
                        using var document = JsonDocument.Parse(body);
                        return read(document.RootElement);
                    }
                    catch (Exception ex) when (ex is JsonException or FormatException or InvalidOperationException or KeyNotFoundException or IndexOutOfRangeException)
                    {
                        if (write is not null)
                        {
                            throw new BinanceOrderStatusUnknownException(write.Symbol, write.ClientOrderId, $"unreadable answer ({ex.Message})", ex);
                        }

                        throw new BinanceTradingException($"{method.Method} {path}: unexpected answer ({ex.Message}).", BinanceErrorKind.Rejected, status, null);
                    }
                }

                var (code, message) = ReadError(body);
                var retryAfter = response.Headers.RetryAfter?.Delta;
                if (code == -1021 && signed && !resynced)
                {
                    // Rejected for its timestamp, so not executed: resync and send once more.
                    resynced = true;
                    TradingLog.Resync(logger, path, message);
                    await SyncTimeAsync(cancellationToken).ConfigureAwait(false);
                    continue;
                }

                var unknown = status >= 500 || code == -1007;
                if (unknown && write is not null)
                {
                    activity?.SetStatus(ActivityStatusCode.Error, "status unknown");
                    var reason = $"HTTP {status}" + (code is { } c ? $" code {c.ToString(CultureInfo.InvariantCulture)}" : "");
                    TradingLog.StatusUnknown(logger, path, write.ClientOrderId, reason);
                    throw new BinanceOrderStatusUnknownException(write.Symbol, write.ClientOrderId, reason);
                }

                var kind = Classify(status, code);
                var error = new BinanceTradingException(
                    $"Binance {(code is { } value ? "error " + value.ToString(CultureInfo.InvariantCulture) : "error")} (HTTP {status}) for {method.Method} {path}{(write is null ? "" : " order " + write.ClientOrderId)}: {message}",
                    kind,
                    status,
                    code,
                    retryAfter);
                var retryable = write is null && (unknown || (kind is BinanceErrorKind.RateLimited && (retryAfter ?? TimeSpan.Zero) <= options.MaxRetryAfter));
                if (!retryable || attempt >= options.MaxReadRetries)
                {
                    activity?.SetStatus(ActivityStatusCode.Error, kind.ToString());
                    throw error;
                }

                await WaitAsync(path, status, kind == BinanceErrorKind.RateLimited ? retryAfter ?? TimeSpan.FromSeconds(1) : Backoff(attempt), message, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private HttpRequestMessage BuildRequest(HttpMethod method, string path, IReadOnlyList<(string, string)> parameters, bool signed)
    {
        var all = parameters.ToList();
        if (signed)
        {
            var now = time.GetUtcNow() + ServerTimeOffset;
            all.Add(("recvWindow", ((long)options.RecvWindow.TotalMilliseconds).ToString(CultureInfo.InvariantCulture)));
            all.Add(("timestamp", now.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture)));
        }

        var payload = EncodePayload(all);
        if (signed)
        {
            payload += "&signature=" + Uri.EscapeDataString(credentials.Signer.Sign(payload));
        }

        HttpRequestMessage request;
        if (method == HttpMethod.Post)
        {
            request = new HttpRequestMessage(method, new Uri(baseUri, path))
            {
                Content = new StringContent(payload, Encoding.UTF8, "application/x-www-form-urlencoded"),
            };
        }
        else
        {
            request = new HttpRequestMessage(method, new Uri(baseUri, payload.Length == 0 ? path : path + "?" + payload));
        }

        if (signed)
        {
            request.Headers.Add("X-MBX-APIKEY", credentials.ApiKey);
        }

        return request;
    }

    private async Task WaitAsync(string path, int status, TimeSpan wait, string reason, CancellationToken cancellationToken)
    {
        TradingLog.Retrying(logger, path, status, wait, reason);
        await Task.Delay(wait, time, cancellationToken).ConfigureAwait(false);
    }

    private TimeSpan Backoff(int attempt) =>
        TimeSpan.FromMilliseconds(options.InitialBackoff.TotalMilliseconds * Math.Pow(2, attempt) * (0.5 + (Random.Shared.NextDouble() * 0.5)));

    private static BinanceErrorKind Classify(int status, int? code) => (status, code) switch
    {
        (418, _) => BinanceErrorKind.Banned,
        (429, _) or (_, -1003 or -1015) => BinanceErrorKind.RateLimited,
        (_, -1013) => BinanceErrorKind.FilterFailure,
        (_, -2010) => BinanceErrorKind.NewOrderRejected,
        (_, -2011 or -2013) => BinanceErrorKind.UnknownOrder,
        (_, -1021 or -1022 or -2014 or -2015) or (401, _) => BinanceErrorKind.Authentication,
        _ => BinanceErrorKind.Rejected,
    };

    private static (int? Code, string Message) ReadError(string body)
    {
        try
        {
            using var error = JsonDocument.Parse(body);
            if (error.RootElement.ValueKind == JsonValueKind.Object && error.RootElement.TryGetProperty("code", out var code) && code.TryGetInt32(out var value))
            {
                return (value, error.RootElement.TryGetProperty("msg", out var msg) ? msg.GetString() ?? "" : "");
            }
        }
        catch (JsonException)
        {
            // Not Binance's error shape (a proxy's page): the status alone says it.
        }

        return (null, "no Binance error body");
    }

    private static IReadOnlyList<BinanceOrder> ParseOrders(JsonElement root) => [.. root.EnumerateArray().Select(ParseOrder)];

    private static BinanceOrder ParseOrder(JsonElement o)
    {
        DateTimeOffset Time(params string[] names) =>
            names.Select(n => o.TryGetProperty(n, out var v) ? DateTimeOffset.FromUnixTimeMilliseconds(v.GetInt64()) : (DateTimeOffset?)null).FirstOrDefault(t => t is not null) ?? DateTimeOffset.UnixEpoch;
        var fills = o.TryGetProperty("fills", out var f)
            ? f.EnumerateArray().Select(x => new OrderFill(Decimal(x, "price"), Decimal(x, "qty"), Decimal(x, "commission"), x.GetProperty("commissionAsset").GetString()!, x.GetProperty("tradeId").GetInt64())).ToList()
            : [];
        return new BinanceOrder(
            o.GetProperty("symbol").GetString()!,
            o.GetProperty("orderId").GetInt64(),
            o.GetProperty("clientOrderId").GetString()!,
            Decimal(o, "price"),
            Decimal(o, "origQty"),
            Decimal(o, "executedQty"),
            Decimal(o, "cummulativeQuoteQty"),
            o.GetProperty("status").GetString()!,
            o.GetProperty("timeInForce").GetString()!,
            o.GetProperty("type").GetString()!,
            o.GetProperty("side").GetString()!,
            Time("time", "transactTime"),
            Time("updateTime", "transactTime"),
            fills);
    }

    private static decimal Decimal(JsonElement parent, string name) =>
        decimal.Parse(parent.GetProperty(name).GetString()!, NumberStyles.Float, CultureInfo.InvariantCulture);
}

internal static partial class TradingLog
{
    [LoggerMessage(Level = LogLevel.Debug, Message = "Binance request clock offset {Offset}")]
    public static partial void TimeSynced(ILogger logger, TimeSpan offset);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Binance {Path} rejected the timestamp ({Reason}); resyncing the clock and sending once more")]
    public static partial void Resync(ILogger logger, string path, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Binance {Path} order {ClientOrderId}: status unknown ({Reason}); it must be queried before anything else")]
    public static partial void StatusUnknown(ILogger logger, string path, string clientOrderId, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Binance {Path} answered {Status}; retrying in {Wait}: {Reason}")]
    public static partial void Retrying(ILogger logger, string path, int status, TimeSpan wait, string reason);
}
