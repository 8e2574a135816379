using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Platform.Binance.Trading;
using Platform.Exchange.Simulator.Trading;

namespace Platform.Exchange.Simulator.Endpoints;

/// <summary>
/// REST market data as Binance serves it: <c>/api/v3/ping</c>, <c>/time</c>, <c>/exchangeInfo</c>, <c>/klines</c>,
/// answering from the replay's data up to the replay clock. Weight and REST faults are applied by <see cref="RestGate"/>.
/// </summary>
internal static class MarketDataEndpoints
{
    private static readonly string[] OrderTypes = ["LIMIT", "MARKET"];
    private static readonly string[][] SpotPermissions = [["SPOT"]];

    public static void Map(IEndpointRouteBuilder app, MarketReplay replay, RestGate gate, SimulatorTradingOptions trading)
    {
        app.MapGet("/api/v3/ping", context => gate.RunAsync(context, 1, () => BinanceHttp.WriteJsonAsync(context.Response, "{}")));
        app.MapGet("/api/v3/time", context => gate.RunAsync(context, 1, () =>
            BinanceHttp.WriteJsonAsync(context.Response, "{\"serverTime\":" + KlinePayloads.Time(replay.Clock, BinanceHttp.WantsMicroseconds(context.Request)).ToString(CultureInfo.InvariantCulture) + "}")));
        app.MapGet("/api/v3/exchangeInfo", context => gate.RunAsync(context, 20, () => ExchangeInfoAsync(context, replay, gate, trading)));
        app.MapGet("/api/v3/klines", context => gate.RunAsync(context, 2, () => KlinesAsync(context, replay)));
    }

    private static Task ExchangeInfoAsync(HttpContext context, MarketReplay replay, RestGate gate, SimulatorTradingOptions trading)
    {
        var request = context.Request;
        IEnumerable<string> wanted = replay.Symbols.Order(StringComparer.Ordinal);
        if (request.Query["symbol"].ToString() is { Length: > 0 } one)
        {
            wanted = [one];
        }
        else if (request.Query["symbols"].ToString() is { Length: > 0 } list)
        {
            try
            {
                wanted = JsonSerializer.Deserialize<string[]>(list) ?? [];
            }
            catch (JsonException)
            {
                return BinanceHttp.WriteErrorAsync(context.Response, 400, BinanceHttp.IllegalParameter, "Illegal characters found in parameter 'symbols'; legal range is '^\\[(\"[A-Z0-9-_.]{1,20}\"(,\"[A-Z0-9-_.]{1,20}\"){0,}){0,1}\\]$'.");
            }
        }

        var symbols = wanted.ToList();
        if (symbols.FirstOrDefault(s => !replay.HasSymbol(s)) is { } unknown)
        {
            return BinanceHttp.WriteErrorAsync(context.Response, 400, BinanceHttp.InvalidSymbol, $"Invalid symbol '{unknown}'.");
        }

        var micro = BinanceHttp.WantsMicroseconds(request);
        var body = new
        {
            timezone = "UTC",
            serverTime = KlinePayloads.Time(replay.Clock, micro),
            rateLimits = new object[]
            {
                new { rateLimitType = "REQUEST_WEIGHT", interval = "MINUTE", intervalNum = 1, limit = gate.WeightLimit },
                new { rateLimitType = "RAW_REQUESTS", interval = "MINUTE", intervalNum = 5, limit = 61000 },
                new { rateLimitType = "ORDERS", interval = "SECOND", intervalNum = 10, limit = trading.OrdersPer10Seconds },
                new { rateLimitType = "ORDERS", interval = "DAY", intervalNum = 1, limit = trading.OrdersPerDay },
            },
            exchangeFilters = Array.Empty<object>(),
            symbols = symbols.Select(s =>
            {
                var (baseAsset, quote) = SymbolAssets.Split(s);
                return new
                {
                    symbol = s,
                    status = "TRADING",
                    baseAsset,
                    baseAssetPrecision = 8,
                    quoteAsset = quote,
                    quotePrecision = 8,
                    quoteAssetPrecision = 8,
                    orderTypes = OrderTypes,
                    isSpotTradingAllowed = true,
                    filters = trading.Filters.ToExchangeInfo(),
                    permissionSets = SpotPermissions,
                    defaultSelfTradePreventionMode = "EXPIRE_MAKER",
                };
            }),
        };
        return BinanceHttp.WriteJsonAsync(context.Response, JsonSerializer.Serialize(body));
    }

    private static Task KlinesAsync(HttpContext context, MarketReplay replay)
    {
        var request = context.Request;
        var symbol = request.Query["symbol"].ToString();
        if (symbol.Length == 0)
        {
            return BinanceHttp.MandatoryAsync(context.Response, "symbol");
        }

        if (!replay.HasSymbol(symbol))
        {
            return BinanceHttp.WriteErrorAsync(context.Response, 400, BinanceHttp.InvalidSymbol, "Invalid symbol.");
        }

        var intervalCode = request.Query["interval"].ToString();
        if (intervalCode.Length == 0)
        {
            return BinanceHttp.MandatoryAsync(context.Response, "interval");
        }

        if (intervalCode != replay.Interval.Code)
        {
            return BinanceHttp.WriteErrorAsync(context.Response, 400, BinanceHttp.InvalidInterval, $"Invalid interval (this simulator serves {replay.Interval.Code}).");
        }

        var limit = 500;
        if (request.Query["limit"].ToString() is { Length: > 0 } limitText
            && (!int.TryParse(limitText, NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit < 1))
        {
            return BinanceHttp.MandatoryAsync(context.Response, "limit");
        }

        var (start, startOk) = BinanceHttp.Time(request, "startTime");
        var (end, endOk) = BinanceHttp.Time(request, "endTime");
        if (!startOk || !endOk)
        {
            return BinanceHttp.MandatoryAsync(context.Response, startOk ? "endTime" : "startTime");
        }

        if (start > end)
        {
            return BinanceHttp.WriteErrorAsync(context.Response, 400, -1128, "Combination of optional parameters invalid: startTime is after endTime.");
        }

        var micro = BinanceHttp.WantsMicroseconds(request);
        var rows = replay.KlinesUpToClock(symbol, start, end, Math.Min(limit, 1000));
        var json = new StringBuilder(rows.Count * 200 + 2).Append('[');
        for (var i = 0; i < rows.Count; i++)
        {
            if (i > 0)
            {
                json.Append(',');
            }

            KlinePayloads.AppendRestRow(json, rows[i], replay.Interval, micro);
        }

        return BinanceHttp.WriteJsonAsync(context.Response, json.Append(']').ToString());
    }
}

/// <summary>
/// Every REST request passes here: injected REST faults (429/418 with Retry-After, 503), then the minute's request
/// weight (429 -1003 past the limit), and the <c>X-MBX-USED-WEIGHT-1M</c> header on every answer.
/// </summary>
internal sealed class RestGate(FaultSpec faults, RequestWeight weight, SimulatorStats stats)
{
    public int WeightLimit => weight.Limit;

    public async Task RunAsync(HttpContext context, int requestWeight, Func<Task> handler)
    {
        var n = Interlocked.Increment(ref stats.RestRequests);
        var (used, allowed) = weight.Take(requestWeight);
        context.Response.Headers["X-MBX-USED-WEIGHT-1M"] = used.ToString(CultureInfo.InvariantCulture);
        if (faults.Rest418 > 0 && n % faults.Rest418 == 0)
        {
            Interlocked.Increment(ref stats.Rest418);
            context.Response.Headers.RetryAfter = faults.RetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
            await BinanceHttp.WriteErrorAsync(context.Response, 418, BinanceHttp.TooManyRequests, "Way too much request weight used; IP banned until later (injected fault).").ConfigureAwait(false);
        }
        else if (faults.Rest429 > 0 && n % faults.Rest429 == 0)
        {
            Interlocked.Increment(ref stats.Rest429);
            context.Response.Headers.RetryAfter = faults.RetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
            await BinanceHttp.WriteErrorAsync(context.Response, 429, BinanceHttp.TooManyRequests, "Too many requests; please use the websocket for live updates (injected fault).").ConfigureAwait(false);
        }
        else if (faults.Rest5xx > 0 && n % faults.Rest5xx == 0)
        {
            Interlocked.Increment(ref stats.Rest5xx);
            await BinanceHttp.WriteErrorAsync(context.Response, 503, BinanceHttp.Disconnected, "Internal error; unable to process your request. Please try again. (injected fault)").ConfigureAwait(false);
        }
        else if (!allowed)
        {
            context.Response.Headers.RetryAfter = RequestWeight.SecondsToNextMinute().ToString(CultureInfo.InvariantCulture);
            await BinanceHttp.WriteErrorAsync(context.Response, 429, BinanceHttp.TooManyRequests, $"Too much request weight used; current limit is {weight.Limit} request weight per 1 MINUTE. Please use WebSocket Streams for live updates to avoid polling the API.").ConfigureAwait(false);
        }
        else
        {
            await handler().ConfigureAwait(false);
        }
    }
}
