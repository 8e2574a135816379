using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Platform.Binance;

/// <summary>The Binance client's one ActivitySource and Meter (both named <see cref="Name"/>).</summary>
public static class BinanceInstrumentation
{
    public const string Name = "Platform.Binance";

    public static readonly ActivitySource ActivitySource = new(Name);

    public static readonly Meter Meter = new(Name);

    internal static readonly Counter<long> RestRequests = Meter.CreateCounter<long>("binance.rest.requests", description: "REST attempts, by path and HTTP status (0 = no answer).");

    internal static readonly Counter<long> RestWaits = Meter.CreateCounter<long>("binance.rest.waits", description: "Waits before a request: Retry-After, 5XX backoff or the weight budget, by reason.");

    internal static readonly Counter<long> TradeRequests = Meter.CreateCounter<long>("binance.trade.requests", description: "Trading REST attempts, by path and HTTP status (0 = no answer).");

    internal static readonly Counter<long> Klines = Meter.CreateCounter<long>("binance.stream.klines", description: "Klines delivered to the sink, by origin (stream or backfill) and closed flag.");

    internal static readonly Counter<long> DeadLetters = Meter.CreateCounter<long>("binance.stream.dead_letters", description: "Messages that could not become a valid kline.");

    internal static readonly Counter<long> Duplicates = Meter.CreateCounter<long>("binance.stream.duplicates", description: "Closed klines already delivered in this session, absorbed.");

    internal static readonly Counter<long> Reconnects = Meter.CreateCounter<long>("binance.stream.reconnects", description: "WebSocket reconnects, by reason.");
}
