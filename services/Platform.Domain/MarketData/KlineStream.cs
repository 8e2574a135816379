namespace Platform.Domain.MarketData;

/// <summary>
/// A kline event from a live source (a WebSocket kline stream, or the REST gap backfill after a (re)connect).
/// <paramref name="IsClosed"/> is Binance's <c>x</c>: only closed klines are final and enter the market store.
/// </summary>
public sealed record StreamedKline(
    string Symbol,
    KlineInterval Interval,
    Kline Kline,
    bool IsClosed,
    string Source,
    DateTimeOffset ReceivedAt);

/// <summary>A live message that could not become a valid kline, kept whole with the reason, never silently dropped.</summary>
public sealed record KlineDeadLetter(
    string Source,
    string Reason,
    string RawPayload,
    DateTimeOffset ReceivedAt,
    string? Symbol = null);

/// <summary>
/// Where a live kline stream delivers: Kafka (<c>market.klines.1h</c> and <c>market.klines.dlq</c>) in the platform,
/// an in-memory list in tests. A publish completes only when the record is durable at the sink (for Kafka: acknowledged
/// by the broker), so a caller that saw it complete may advance its checkpoint.
/// </summary>
public interface IKlineStreamSink
{
    Task PublishAsync(StreamedKline kline, CancellationToken cancellationToken = default);

    Task DeadLetterAsync(KlineDeadLetter letter, CancellationToken cancellationToken = default);
}
