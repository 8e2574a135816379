using System.Text.Json;
using Platform.Domain.MarketData;

namespace Platform.Binance;

/// <summary>A message of a Binance market stream, as parsed by <see cref="BinanceStreamParser"/>.</summary>
public abstract record BinanceStreamEvent;

/// <summary>A kline event (<c>e = "kline"</c>): the candle so far, or the final one when <paramref name="IsClosed"/> (<c>x</c>).</summary>
public sealed record KlineStreamEvent(string Stream, string Symbol, KlineInterval Interval, DateTimeOffset EventTime, Kline Kline, bool IsClosed) : BinanceStreamEvent;

/// <summary><c>{"e":"serverShutdown","E":...}</c>: the server is about to close the connection; reconnect now.</summary>
public sealed record ServerShutdownEvent(DateTimeOffset EventTime) : BinanceStreamEvent;

/// <summary>The answer to a SUBSCRIBE/UNSUBSCRIBE/... request: <c>{"result":null,"id":1}</c>.</summary>
public sealed record ControlResponseEvent(long? Id, string ResultJson) : BinanceStreamEvent;

/// <summary>
/// Parses Binance stream messages: combined-stream envelopes (<c>{"stream":"btcusdt@kline_1h","data":{...}}</c>) and raw
/// events. Anything that is not a well-formed message throws <see cref="FormatException"/> whose message is the reason
/// (what a dead letter records).
/// </summary>
public static class BinanceStreamParser
{
    public static BinanceStreamEvent Parse(string message)
    {
        ArgumentNullException.ThrowIfNull(message);
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(message);
        }
        catch (JsonException ex)
        {
            throw new FormatException($"not JSON: {ex.Message}", ex);
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new FormatException($"expected a JSON object, got {root.ValueKind.ToString().ToLowerInvariant()}");
            }

            string? stream = null;
            var data = root;
            if (root.TryGetProperty("stream", out var streamName))
            {
                stream = BinanceKlineJson.String(streamName, "stream");
                data = BinanceKlineJson.Required(root, "data");
                if (data.ValueKind != JsonValueKind.Object)
                {
                    throw new FormatException("data of a combined-stream message must be an object");
                }
            }
            else if (root.TryGetProperty("result", out var result))
            {
                long? id = root.TryGetProperty("id", out var idValue) && idValue.TryGetInt64(out var n) ? n : null;
                return new ControlResponseEvent(id, result.GetRawText());
            }

            var type = BinanceKlineJson.String(BinanceKlineJson.Required(data, "e"), "e (event type)");
            var eventTime = BinanceKlineJson.Time(BinanceKlineJson.Required(data, "E"), "E (event time)");
            return type switch
            {
                "kline" => ParseKline(stream, data, eventTime),
                "serverShutdown" => new ServerShutdownEvent(eventTime),
                _ => throw new FormatException($"unexpected event type '{type}'"),
            };
        }
    }

    private static KlineStreamEvent ParseKline(string? stream, JsonElement data, DateTimeOffset eventTime)
    {
        var symbol = BinanceKlineJson.String(BinanceKlineJson.Required(data, "s"), "s (symbol)");
        var k = BinanceKlineJson.Required(data, "k");
        if (k.ValueKind != JsonValueKind.Object)
        {
            throw new FormatException("k (the kline) must be an object");
        }

        var intervalCode = BinanceKlineJson.String(BinanceKlineJson.Required(k, "i"), "i (interval)");
        KlineInterval interval;
        try
        {
            interval = KlineInterval.Parse(intervalCode);
        }
        catch (Exception ex) when (ex is FormatException or Platform.Domain.InvalidRequestException)
        {
            throw new FormatException($"i (interval): {ex.Message}", ex);
        }

        var closed = BinanceKlineJson.Required(k, "x");
        if (closed.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
        {
            throw new FormatException("x (closed) must be true or false");
        }

        if (k.TryGetProperty("s", out var innerSymbol) && innerSymbol.ValueKind == JsonValueKind.String && innerSymbol.GetString() != symbol)
        {
            throw new FormatException($"the event's symbol {symbol} differs from the kline's {innerSymbol.GetString()}");
        }

        var expectedStream = symbol.ToLowerInvariant() + "@kline_" + intervalCode;
        if (stream is not null && !stream.StartsWith(expectedStream, StringComparison.Ordinal))
        {
            throw new FormatException($"stream '{stream}' does not carry {symbol} {intervalCode} klines");
        }

        return new KlineStreamEvent(stream ?? expectedStream, symbol, interval, eventTime, BinanceKlineJson.ParseEventKline(k), closed.GetBoolean());
    }
}
