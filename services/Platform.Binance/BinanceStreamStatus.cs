namespace Platform.Binance;

/// <summary>A snapshot of a stream session, for status queries and dashboards.</summary>
/// <param name="Connected">A WebSocket is open and its messages are being processed.</param>
/// <param name="LastClosedOpenTime">Per symbol, the open time of the newest closed kline the sink acknowledged.</param>
/// <param name="Lag">
/// How far the most-behind symbol's newest acknowledged closed kline trails the exchange's clock (the event time of the
/// newest message): about one interval when live, large while catching up.
/// </param>
/// <param name="Reconnects">Connections opened after the first one, for any reason.</param>
/// <param name="DuplicatesAbsorbed">Closed klines received again in this session (stream duplicates, backfill overlap), not delivered twice.</param>
public sealed record BinanceStreamStatus(
    bool Connected,
    DateTimeOffset? ConnectedSince,
    IReadOnlyDictionary<string, DateTimeOffset> LastClosedOpenTime,
    TimeSpan? Lag,
    int Reconnects,
    long ClosedKlines,
    long PartialKlines,
    long BackfilledKlines,
    long DuplicatesAbsorbed,
    long DeadLettered,
    DateTimeOffset? LastMessageAt,
    string? LastError);
