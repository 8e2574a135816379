using System.Diagnostics;
using System.Globalization;
using Platform.Domain.MarketData;

namespace Platform.Kafka;

/// <summary>
/// The live stream's sink in the platform: klines to <c>market.klines.&lt;interval&gt;</c> (key = symbol), dead letters to
/// <c>market.klines.dlq</c>. Each publish completes on the broker's acknowledgement, so the stream may advance its checkpoint.
/// </summary>
public sealed class KafkaKlineSink(KafkaProducer producer) : IKlineStreamSink
{
    public async Task PublishAsync(StreamedKline kline, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(kline);
        var topic = kline.Interval == KlineInterval.OneHour ? PlatformTopics.KlinesOneHour : PlatformTopics.Klines(kline.Interval);

        // Where an hourly decision's trace begins: the kline's receipt from the exchange. A closed kline starts a trace of its
        // own (linked to the stream connection's span), so each hour's decision is one trace, not a part of the connection's.
        var connection = Activity.Current;
        Activity.Current = null;
        try
        {
            using var activity = kline.IsClosed
                ? KafkaProducer.ActivitySource.StartActivity("kline received", ActivityKind.Consumer, parentContext: default, links: connection is null ? null : [new ActivityLink(connection.Context)], startTime: kline.ReceivedAt)
                : null;
            activity?.SetTag("symbol", kline.Symbol);
            activity?.SetTag("interval", kline.Interval.Code);
            activity?.SetTag("open_time", kline.Kline.OpenTime.ToString("u", CultureInfo.InvariantCulture));
            activity?.SetTag("source", kline.Source);
            await producer.ProduceAsync(topic, kline.Symbol, kline, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            Activity.Current = connection;
        }
    }

    public Task DeadLetterAsync(KlineDeadLetter letter, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(letter);
        return producer.ProduceAsync(PlatformTopics.KlineDeadLetters, letter.Symbol ?? letter.Source, letter, cancellationToken);
    }
}
