using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Platform.Exchange.Simulator.Endpoints;

/// <summary>
/// <c>PUT /sim/v1/holds/{name}?symbol=S[&amp;doneThrough=MS]</c> creates or moves a clock hold (answer: the bar it waits
/// for and the clock), <c>DELETE /sim/v1/holds/{name}</c> lifts it. Simulator-only: a real exchange's clock is the wall's.
/// </summary>
internal static class ClockHoldEndpoints
{
    public static void Map(IEndpointRouteBuilder app, MarketReplay replay)
    {
        app.MapPut("/sim/v1/holds/{name}", (HttpContext context, string name) => PutAsync(context, replay, name));
        app.MapDelete("/sim/v1/holds/{name}", (HttpContext context, string name) => replay.Holds.Remove(name)
            ? BinanceHttp.WriteJsonAsync(context.Response, "{}")
            : BinanceHttp.WriteErrorAsync(context.Response, 404, -2013, $"No clock hold named '{name}'."));
    }

    private static Task PutAsync(HttpContext context, MarketReplay replay, string name)
    {
        var symbol = context.Request.Query["symbol"].ToString().ToUpperInvariant();
        if (name.Length is 0 or > 64 || !name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
        {
            return BinanceHttp.WriteErrorAsync(context.Response, 400, -1100, $"Hold name '{name}' must be 1-64 letters, digits, '-', '_' or '.'.");
        }

        if (!replay.HasSymbol(symbol))
        {
            return BinanceHttp.WriteErrorAsync(context.Response, 400, -1121, $"Invalid symbol '{symbol}'.");
        }

        DateTimeOffset? doneThrough = null;
        var done = context.Request.Query["doneThrough"].ToString();
        if (done.Length > 0)
        {
            if (!long.TryParse(done, NumberStyles.None, CultureInfo.InvariantCulture, out var ms))
            {
                return BinanceHttp.WriteErrorAsync(context.Response, 400, -1100, "doneThrough must be a bar's open time in milliseconds.");
            }

            doneThrough = DateTimeOffset.FromUnixTimeMilliseconds(ms);
        }

        var hold = replay.Holds.Put(name, symbol, doneThrough);
        return BinanceHttp.WriteJsonAsync(context.Response, JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["name"] = hold.Name,
            ["symbol"] = hold.Symbol,
            ["nextBar"] = hold.NextBar.ToUnixTimeMilliseconds(),
            ["clock"] = replay.Clock.ToUnixTimeMilliseconds(),
        }));
    }
}
