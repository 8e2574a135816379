using Platform.Domain.MarketData;

namespace Platform.Kafka;

/// <summary>
/// The live stream's sink in the platform: klines to <c>market.klines.&lt;interval&gt;</c> (key = symbol), dead letters to
/// <c>market.klines.dlq</c>. Each publish completes on the broker's acknowledgement, so the stream may advance its checkpoint.
/// </summary>
public sealed class KafkaKlineSink(KafkaProducer producer) : IKlineStreamSink
{
    public Task PublishAsync(StreamedKline kline, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(kline);
        var topic = kline.Interval == KlineInterval.OneHour ? PlatformTopics.KlinesOneHour : PlatformTopics.Klines(kline.Interval);
        return producer.ProduceAsync(topic, kline.Symbol, kline, cancellationToken);
    }

    public Task DeadLetterAsync(KlineDeadLetter letter, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(letter);
        return producer.ProduceAsync(PlatformTopics.KlineDeadLetters, letter.Symbol ?? letter.Source, letter, cancellationToken);
    }
}
