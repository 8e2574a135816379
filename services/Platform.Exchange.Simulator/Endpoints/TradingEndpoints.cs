using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.WebUtilities;
using Platform.Binance.Trading;
using Platform.Exchange.Simulator.Trading;

namespace Platform.Exchange.Simulator.Endpoints;

/// <summary>
/// Binance's SIGNED spot trading subset over <see cref="SimulatedSpotExchange"/>: <c>POST /api/v3/order</c> and
/// <c>/order/test</c>, <c>GET</c>/<c>DELETE /api/v3/order</c>, <c>openOrders</c>, <c>allOrders</c>, <c>account</c>,
/// <c>myTrades</c>; plus <c>GET /sim/time</c>, the exchange's request clock (wall time) that <c>timestamp</c> is checked
/// against — <c>/api/v3/time</c> answers the replay's market clock. Weight and REST faults pass <see cref="RestGate"/>;
/// order faults and the ORDERS rate limit are applied here.
/// </summary>
internal static partial class TradingEndpoints
{
    private const int TooManyOrders = -1015;

    public static void Map(IEndpointRouteBuilder app, SimulatedSpotExchange exchange, RestGate gate, FaultSpec faults)
    {
        var security = new RequestSecurity(exchange.Options);
        var orderFaults = new OrderFaults(faults, exchange.Options);
        app.MapGet("/sim/time", context => BinanceHttp.WriteJsonAsync(context.Response, "{\"serverTime\":" + DateTimeOffset.UtcNow.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture) + "}"));
        app.MapPost("/api/v3/order", context => gate.RunAsync(context, 1, () => SignedAsync(context, security, p => NewOrderAsync(context, p, exchange, orderFaults, place: true))));
        app.MapPost("/api/v3/order/test", context => gate.RunAsync(context, 1, () => SignedAsync(context, security, p => NewOrderAsync(context, p, exchange, orderFaults, place: false))));
        app.MapGet("/api/v3/order", context => gate.RunAsync(context, 4, () => SignedAsync(context, security, p => QueryOrderAsync(context, p, exchange))));
        app.MapDelete("/api/v3/order", context => gate.RunAsync(context, 1, () => SignedAsync(context, security, p => CancelAsync(context, p, exchange))));
        app.MapGet("/api/v3/openOrders", context => gate.RunAsync(context, context.Request.Query.ContainsKey("symbol") ? 6 : 80, () => SignedAsync(context, security, p => OrdersAsync(context, p, exchange, openOnly: true))));
        app.MapGet("/api/v3/allOrders", context => gate.RunAsync(context, 20, () => SignedAsync(context, security, p => OrdersAsync(context, p, exchange, openOnly: false))));
        app.MapGet("/api/v3/myTrades", context => gate.RunAsync(context, 20, () => SignedAsync(context, security, p => TradesAsync(context, p, exchange))));
        app.MapGet("/api/v3/account", context => gate.RunAsync(context, 20, () => SignedAsync(context, security, p => AccountAsync(context, exchange))));
        app.MapGet("/api/v3/ticker/price", context => gate.RunAsync(context, 2, () => TickerPriceAsync(context, exchange)));
    }

    private static Task TickerPriceAsync(HttpContext context, SimulatedSpotExchange exchange)
    {
        var symbol = context.Request.Query["symbol"].ToString().ToUpperInvariant();
        if (symbol.Length == 0)
        {
            return Write(context.Response, new ExchangeError(400, -1102, "Mandatory parameter 'symbol' was not sent, was empty/null, or malformed."));
        }

        return exchange.LastPrice(symbol) is { } price
            ? BinanceHttp.WriteJsonAsync(context.Response, JsonSerializer.Serialize(new Dictionary<string, string> { ["symbol"] = symbol, ["price"] = Text(price) }))
            : Write(context.Response, new ExchangeError(400, -1121, "Invalid symbol."));
    }

    /// <summary>Reads the parameters (query wins over body, as on Binance), checks key, timestamp and signature, then runs <paramref name="handler"/>.</summary>
    private static async Task SignedAsync(HttpContext context, RequestSecurity security, Func<IReadOnlyDictionary<string, string>, Task> handler)
    {
        var request = context.Request;
        var query = request.QueryString.HasValue ? request.QueryString.Value![1..] : "";
        var body = "";
        if (request.HasFormContentType || (request.ContentLength ?? 0) > 0)
        {
            using var reader = new StreamReader(request.Body);
            body = await reader.ReadToEndAsync(context.RequestAborted).ConfigureAwait(false);
        }

        var parameters = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, value) in QueryHelpers.ParseQuery(body).Concat(QueryHelpers.ParseQuery(query)))
        {
            parameters[name] = value.ToString();
        }

        if (security.Check(request.Headers["X-MBX-APIKEY"].ToString(), parameters, query, body) is { } refusal)
        {
            await Write(context.Response, refusal).ConfigureAwait(false);
            return;
        }

        await handler(parameters).ConfigureAwait(false);
    }

    private static async Task NewOrderAsync(HttpContext context, IReadOnlyDictionary<string, string> p, SimulatedSpotExchange exchange, OrderFaults faults, bool place)
    {
        var response = context.Response;
        var (order, invalid) = ParseNewOrder(p, exchange);
        if (order is null)
        {
            await Write(response, invalid!).ConfigureAwait(false);
            return;
        }

        if (place)
        {
            var (count10s, countDay, limited) = faults.TakeOrder();
            response.Headers["X-MBX-ORDER-COUNT-10S"] = count10s.ToString(CultureInfo.InvariantCulture);
            response.Headers["X-MBX-ORDER-COUNT-1D"] = countDay.ToString(CultureInfo.InvariantCulture);
            if (limited is { } rateLimit)
            {
                response.Headers.RetryAfter = rateLimit.RetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
                await Write(response, rateLimit.Error).ConfigureAwait(false);
                return;
            }
        }

        var fault = place ? faults.NextOrderFault() : OrderFault.None;
        if (fault == OrderFault.Reject2010)
        {
            await Write(response, new ExchangeError(400, -2010, "Order rejected by the exchange (injected fault).")).ConfigureAwait(false);
            return;
        }

        var (placed, error) = exchange.Submit(order.Symbol, order.Side, order.Type, order.Quantity, order.Price, order.TimeInForce, order.ClientOrderId, place);
        if (error is not null)
        {
            await Write(response, error).ConfigureAwait(false);
            return;
        }

        if (!place)
        {
            await BinanceHttp.WriteJsonAsync(response, "{}").ConfigureAwait(false);
            return;
        }

        switch (fault)
        {
            case OrderFault.AcceptThen5xx:
                await Write(response, new ExchangeError(503, BinanceHttp.Disconnected, "Internal error; unable to process your request. Please try again. (injected fault after the order was accepted)")).ConfigureAwait(false);
                return;
            case OrderFault.AcceptThenTimeout:
                try
                {
                    await Task.Delay(faults.Hang, context.RequestAborted).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    // The client gave up waiting, as intended.
                    return;
                }

                await Write(response, new ExchangeError(503, -1007, "Timeout waiting for response from backend server. Send status unknown; execution status unknown. (injected fault)")).ConfigureAwait(false);
                return;
        }

        var respType = p.GetValueOrDefault("newOrderRespType", "FULL");
        var micro = BinanceHttp.WantsMicroseconds(context.Request);
        await BinanceHttp.WriteJsonAsync(response, JsonSerializer.Serialize(OrderJson(placed!, micro, respType, newOrder: true))).ConfigureAwait(false);
    }

    private sealed record ParsedOrder(string Symbol, OrderSide Side, OrderType Type, decimal Quantity, decimal? Price, string TimeInForce, string ClientOrderId);

    private static (ParsedOrder? Order, ExchangeError? Error) ParseNewOrder(IReadOnlyDictionary<string, string> p, SimulatedSpotExchange exchange)
    {
        static ExchangeError Mandatory(string name) => new(400, BinanceHttp.MandatoryParameter, $"Mandatory parameter '{name}' was not sent, was empty/null, or malformed.");
        static ExchangeError Illegal(string name, string legal) => new(400, BinanceHttp.IllegalParameter, $"Illegal characters found in parameter '{name}'; legal range is '{legal}'.");
        if (p.GetValueOrDefault("symbol") is not { Length: > 0 } symbol)
        {
            return (null, Mandatory("symbol"));
        }

        if (exchange.LastPrice(symbol) is null)
        {
            return (null, new ExchangeError(400, BinanceHttp.InvalidSymbol, "Invalid symbol."));
        }

        OrderSide? side = p.GetValueOrDefault("side") switch { "BUY" => OrderSide.Buy, "SELL" => OrderSide.Sell, _ => null };
        if (side is null)
        {
            return (null, p.ContainsKey("side") ? Illegal("side", "BUY, SELL") : Mandatory("side"));
        }

        OrderType? type = p.GetValueOrDefault("type") switch { "MARKET" => OrderType.Market, "LIMIT" => OrderType.Limit, _ => null };
        if (type is null)
        {
            return (null, p.ContainsKey("type") ? new ExchangeError(400, -1116, "Invalid orderType (this simulator trades MARKET and LIMIT).") : Mandatory("type"));
        }

        if (p.ContainsKey("quoteOrderQty"))
        {
            return (null, new ExchangeError(400, -1106, "Parameter 'quoteOrderQty' sent when not required (this simulator takes quantity)."));
        }

        var (quantity, quantityError) = Decimal(p, "quantity", required: true);
        if (quantityError is not null)
        {
            return (null, quantityError);
        }

        var (price, priceError) = Decimal(p, "price", required: type == OrderType.Limit);
        if (priceError is not null)
        {
            return (null, priceError);
        }

        var timeInForce = p.GetValueOrDefault("timeInForce", "");
        if (type == OrderType.Market && (price is not null || timeInForce.Length > 0))
        {
            return (null, new ExchangeError(400, -1106, $"Parameter '{(price is not null ? "price" : "timeInForce")}' sent when not required."));
        }

        if (type == OrderType.Limit && timeInForce.Length == 0)
        {
            return (null, Mandatory("timeInForce"));
        }

        if (type == OrderType.Limit && timeInForce is not ("GTC" or "IOC" or "FOK"))
        {
            return (null, new ExchangeError(400, -1115, "Invalid timeInForce."));
        }

        var clientOrderId = p.GetValueOrDefault("newClientOrderId") is { Length: > 0 } given ? given : "sim-" + Guid.NewGuid().ToString("N")[..22];
        if (!ClientOrderIdPattern().IsMatch(clientOrderId))
        {
            return (null, Illegal("newClientOrderId", "^[.A-Z:/a-z0-9_-]{1,36}$"));
        }

        if (p.GetValueOrDefault("newOrderRespType", "FULL") is not ("ACK" or "RESULT" or "FULL"))
        {
            return (null, Illegal("newOrderRespType", "ACK, RESULT, FULL"));
        }

        return (new ParsedOrder(symbol, side.Value, type.Value, quantity!.Value, price, timeInForce, clientOrderId), null);
    }

    private static (decimal? Value, ExchangeError? Error) Decimal(IReadOnlyDictionary<string, string> p, string name, bool required)
    {
        if (p.GetValueOrDefault(name) is not { Length: > 0 } text)
        {
            return required ? (null, new ExchangeError(400, BinanceHttp.MandatoryParameter, $"Mandatory parameter '{name}' was not sent, was empty/null, or malformed.")) : (null, null);
        }

        if (!decimal.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value))
        {
            return (null, new ExchangeError(400, BinanceHttp.IllegalParameter, $"Illegal characters found in parameter '{name}'; legal range is '^([0-9]{{1,20}})(\\.[0-9]{{1,20}})?$'."));
        }

        return value.Scale > 8 ? (null, new ExchangeError(400, -1111, $"Parameter '{name}' has too much precision.")) : (value, null);
    }

    private static Task QueryOrderAsync(HttpContext context, IReadOnlyDictionary<string, string> p, SimulatedSpotExchange exchange)
    {
        var (symbol, orderId, clientOrderId, invalid) = OrderReference(p);
        if (invalid is not null)
        {
            return Write(context.Response, invalid);
        }

        return exchange.Get(symbol!, orderId, clientOrderId) is { } order
            ? BinanceHttp.WriteJsonAsync(context.Response, JsonSerializer.Serialize(OrderJson(order, BinanceHttp.WantsMicroseconds(context.Request), "RESULT", newOrder: false)))
            : Write(context.Response, new ExchangeError(400, -2013, "Order does not exist."));
    }

    private static Task CancelAsync(HttpContext context, IReadOnlyDictionary<string, string> p, SimulatedSpotExchange exchange)
    {
        var (symbol, orderId, clientOrderId, invalid) = OrderReference(p);
        if (invalid is not null)
        {
            return Write(context.Response, invalid);
        }

        var (order, error) = exchange.Cancel(symbol!, orderId, clientOrderId);
        return error is not null
            ? Write(context.Response, error)
            : BinanceHttp.WriteJsonAsync(context.Response, JsonSerializer.Serialize(OrderJson(order!, BinanceHttp.WantsMicroseconds(context.Request), "RESULT", newOrder: false)));
    }

    private static (string? Symbol, long? OrderId, string? ClientOrderId, ExchangeError? Error) OrderReference(IReadOnlyDictionary<string, string> p)
    {
        if (p.GetValueOrDefault("symbol") is not { Length: > 0 } symbol)
        {
            return (null, null, null, new ExchangeError(400, BinanceHttp.MandatoryParameter, "Mandatory parameter 'symbol' was not sent, was empty/null, or malformed."));
        }

        long? orderId = null;
        if (p.GetValueOrDefault("orderId") is { Length: > 0 } idText)
        {
            if (!long.TryParse(idText, NumberStyles.None, CultureInfo.InvariantCulture, out var id))
            {
                return (null, null, null, new ExchangeError(400, BinanceHttp.IllegalParameter, "Illegal characters found in parameter 'orderId'; legal range is '^[0-9]{1,20}$'."));
            }

            orderId = id;
        }

        var clientOrderId = p.GetValueOrDefault("origClientOrderId");
        return orderId is null && string.IsNullOrEmpty(clientOrderId)
            ? (null, null, null, new ExchangeError(400, -1102, "Param 'origClientOrderId' or 'orderId' must be sent, but both were empty/null!"))
            : (symbol, orderId, clientOrderId, null);
    }

    private static Task OrdersAsync(HttpContext context, IReadOnlyDictionary<string, string> p, SimulatedSpotExchange exchange, bool openOnly)
    {
        var symbol = p.GetValueOrDefault("symbol");
        if (!openOnly && string.IsNullOrEmpty(symbol))
        {
            return Write(context.Response, new ExchangeError(400, BinanceHttp.MandatoryParameter, "Mandatory parameter 'symbol' was not sent, was empty/null, or malformed."));
        }

        var orders = exchange.Orders(string.IsNullOrEmpty(symbol) ? null : symbol, openOnly);
        if (!openOnly && Limit(p) is { } limit)
        {
            orders = [.. orders.TakeLast(limit)];
        }

        var micro = BinanceHttp.WantsMicroseconds(context.Request);
        return BinanceHttp.WriteJsonAsync(context.Response, JsonSerializer.Serialize(orders.Select(o => OrderJson(o, micro, "RESULT", newOrder: false))));
    }

    private static int? Limit(IReadOnlyDictionary<string, string> p) =>
        int.TryParse(p.GetValueOrDefault("limit", "500"), NumberStyles.None, CultureInfo.InvariantCulture, out var limit) ? Math.Clamp(limit, 1, 1000) : 500;

    private static Task TradesAsync(HttpContext context, IReadOnlyDictionary<string, string> p, SimulatedSpotExchange exchange)
    {
        if (p.GetValueOrDefault("symbol") is not { Length: > 0 } symbol)
        {
            return Write(context.Response, new ExchangeError(400, BinanceHttp.MandatoryParameter, "Mandatory parameter 'symbol' was not sent, was empty/null, or malformed."));
        }

        long? orderId = null;
        if (p.GetValueOrDefault("orderId") is { Length: > 0 } idText)
        {
            if (!long.TryParse(idText, NumberStyles.None, CultureInfo.InvariantCulture, out var id))
            {
                return Write(context.Response, new ExchangeError(400, -1100, "Illegal characters found in parameter 'orderId'; legal range is '^[0-9]{1,20}$'."));
            }

            orderId = id;
        }

        var micro = BinanceHttp.WantsMicroseconds(context.Request);
        var trades = exchange.Trades(symbol).Where(t => orderId is null || t.Order.OrderId == orderId).TakeLast(Limit(p) ?? 500).Select(t => new Dictionary<string, object>
        {
            ["symbol"] = symbol,
            ["id"] = t.Fill.TradeId,
            ["orderId"] = t.Order.OrderId,
            ["orderListId"] = -1,
            ["price"] = Text(t.Fill.Price),
            ["qty"] = Text(t.Fill.Quantity),
            ["quoteQty"] = Text(t.Fill.Price * t.Fill.Quantity),
            ["commission"] = Text(t.Fill.Commission),
            ["commissionAsset"] = t.Fill.CommissionAsset,
            ["time"] = KlinePayloads.Time(t.Fill.Time, micro),
            ["isBuyer"] = t.Order.Side == OrderSide.Buy,
            ["isMaker"] = t.Fill.Maker,
            ["isBestMatch"] = true,
        });
        return BinanceHttp.WriteJsonAsync(context.Response, JsonSerializer.Serialize(trades));
    }

    private static Task AccountAsync(HttpContext context, SimulatedSpotExchange exchange)
    {
        var omitZero = string.Equals(context.Request.Query["omitZeroBalances"].ToString(), "true", StringComparison.OrdinalIgnoreCase);
        var fee = Text(exchange.Options.FeeRate);
        var body = new Dictionary<string, object>
        {
            ["makerCommission"] = (int)(exchange.Options.FeeRate * 10_000m),
            ["takerCommission"] = (int)(exchange.Options.FeeRate * 10_000m),
            ["buyerCommission"] = 0,
            ["sellerCommission"] = 0,
            ["commissionRates"] = new Dictionary<string, string> { ["maker"] = fee, ["taker"] = fee, ["buyer"] = Text(0), ["seller"] = Text(0) },
            ["canTrade"] = true,
            ["canWithdraw"] = false,
            ["canDeposit"] = false,
            ["brokered"] = false,
            ["requireSelfTradePrevention"] = false,
            ["preventSor"] = false,
            ["updateTime"] = KlinePayloads.Time(DateTimeOffset.UtcNow, BinanceHttp.WantsMicroseconds(context.Request)),
            ["accountType"] = "SPOT",
            ["balances"] = exchange.Balances().Where(b => !omitZero || b.Free != 0 || b.Locked != 0).Select(b => new Dictionary<string, string> { ["asset"] = b.Asset, ["free"] = Text(b.Free), ["locked"] = Text(b.Locked) }),
            ["permissions"] = new[] { "SPOT" },
            ["uid"] = 1,
        };
        return BinanceHttp.WriteJsonAsync(context.Response, JsonSerializer.Serialize(body));
    }

    private static Dictionary<string, object> OrderJson(SimulatedOrder o, bool micro, string respType, bool newOrder)
    {
        var json = new Dictionary<string, object>
        {
            ["symbol"] = o.Symbol,
            ["orderId"] = o.OrderId,
            ["orderListId"] = -1,
            ["clientOrderId"] = o.ClientOrderId,
        };
        if (newOrder)
        {
            json["transactTime"] = KlinePayloads.Time(o.Time, micro);
        }

        if (respType == "ACK")
        {
            return json;
        }

        json["price"] = Text(o.Price);
        json["origQty"] = Text(o.Quantity);
        json["executedQty"] = Text(o.ExecutedQty);
        json["origQuoteOrderQty"] = Text(0);
        json["cummulativeQuoteQty"] = Text(o.CumulativeQuoteQty);
        json["status"] = o.Status;
        json["timeInForce"] = o.TimeInForce;
        json["type"] = o.Type == OrderType.Market ? "MARKET" : "LIMIT";
        json["side"] = o.Side == OrderSide.Buy ? "BUY" : "SELL";
        json["workingTime"] = KlinePayloads.Time(o.Time, micro);
        json["selfTradePreventionMode"] = "NONE";
        if (!newOrder)
        {
            json["stopPrice"] = Text(0);
            json["icebergQty"] = Text(0);
            json["time"] = KlinePayloads.Time(o.Time, micro);
            json["updateTime"] = KlinePayloads.Time(o.UpdateTime, micro);
            json["isWorking"] = true;
        }
        else if (respType == "FULL")
        {
            json["fills"] = o.Fills.Select(f => new Dictionary<string, object>
            {
                ["price"] = Text(f.Price),
                ["qty"] = Text(f.Quantity),
                ["commission"] = Text(f.Commission),
                ["commissionAsset"] = f.CommissionAsset,
                ["tradeId"] = f.TradeId,
            }).ToList();
        }

        return json;
    }

    /// <summary>Binance's 8 decimals, and every further digit the exact accounting has (fees of slipped prices have more).</summary>
    private static string Text(decimal value) => value.ToString("0.00000000############################", CultureInfo.InvariantCulture);

    private static Task Write(HttpResponse response, ExchangeError error) => BinanceHttp.WriteErrorAsync(response, error.Status, error.Code, error.Message);

    [GeneratedRegex("^[.A-Z:/a-z0-9_-]{1,36}$")]
    private static partial Regex ClientOrderIdPattern();
}
