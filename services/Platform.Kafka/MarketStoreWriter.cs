using System.Diagnostics;
using Platform.Domain.MarketData;

namespace Platform.Kafka;

/// <summary>Running totals of a <see cref="MarketStoreWriter"/>.</summary>
public sealed record MarketStoreWriterStats(long Records, long ClosedKlines, long PartialKlines, long Inserted, long Updated, long Unchanged, long DeadLettered, long Batches);

/// <summary>
/// Consumer group <c>market-store-writer</c>: upserts the closed klines of <c>market.klines.&lt;interval&gt;</c> into the
/// market store, keyed (symbol, interval, open time), and commits the offsets only after the write, so a crash re-reads
/// and re-upserts (a second pass over the same data changes nothing). Partial klines are not final and are skipped;
/// records that do not match the schema go to <c>market.klines.dlq</c> with the reason, and are never retried forever.
/// </summary>
public sealed class MarketStoreWriter : IDisposable
{
    public const string GroupId = "market-store-writer";

    private readonly IMarketDataStore store;
    private readonly KafkaProducer deadLetters;
    private readonly KlineInterval interval;
    private readonly KafkaTopicConsumer<string, StreamedKline> consumer;
    private long records, closed, partial, inserted, updated, unchanged, deadLettered, batches;

    public MarketStoreWriter(KafkaConnection connection, IMarketDataStore store, KafkaProducer deadLetters, KlineInterval? interval = null, string groupId = GroupId, string? clientId = null)
    {
        this.store = store ?? throw new ArgumentNullException(nameof(store));
        this.deadLetters = deadLetters ?? throw new ArgumentNullException(nameof(deadLetters));
        this.interval = interval ?? KlineInterval.OneHour;
        consumer = new KafkaTopicConsumer<string, StreamedKline>(connection, PlatformTopics.Klines(this.interval), groupId, clientId);
    }

    public MarketStoreWriterStats Stats => new(
        Interlocked.Read(ref records), Interlocked.Read(ref closed), Interlocked.Read(ref partial), Interlocked.Read(ref inserted),
        Interlocked.Read(ref updated), Interlocked.Read(ref unchanged), Interlocked.Read(ref deadLettered), Interlocked.Read(ref batches));

    public KafkaTopicConsumer<string, StreamedKline> Consumer => consumer;

    /// <summary>Writes batches until cancelled. Blocking consumer calls run on the calling thread: start it on its own.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await WriteBatchAsync(TimeSpan.FromMilliseconds(200), cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
        }
    }

    /// <summary>Consumes one batch (waiting up to <paramref name="wait"/>), writes it, then commits it. Returns the records handled.</summary>
    public async Task<int> WriteBatchAsync(TimeSpan wait, CancellationToken cancellationToken = default)
    {
        var batch = consumer.ConsumeBatch(10_000, wait, cancellationToken);
        if (batch.Count == 0)
        {
            return 0;
        }

        using var activity = KafkaProducer.ActivitySource.StartActivity("market-store-writer.batch");
        activity?.SetTag("records", batch.Count);
        var bySymbol = new Dictionary<string, SortedDictionary<DateTimeOffset, Kline>>(StringComparer.Ordinal);
        foreach (var record in batch)
        {
            var problem = Problem(record);
            if (problem is not null)
            {
                await DeadLetterAsync(record, problem, cancellationToken).ConfigureAwait(false);
                continue;
            }

            var kline = record.Value!;
            if (!kline.IsClosed)
            {
                Interlocked.Increment(ref partial);
                continue;
            }

            Interlocked.Increment(ref closed);
            if (!bySymbol.TryGetValue(kline.Symbol, out var series))
            {
                bySymbol[kline.Symbol] = series = [];
            }

            // A later record of the same hour (a duplicate or a correction) wins: the topic is in order per symbol.
            series[kline.Kline.OpenTime] = kline.Kline;
        }

        foreach (var (symbol, klines) in bySymbol)
        {
            var result = await store.UpsertAsync(new KlineSeries(symbol, interval, [.. klines.Values]), cancellationToken).ConfigureAwait(false);
            Interlocked.Add(ref inserted, result.Inserted);
            Interlocked.Add(ref updated, result.Updated);
            Interlocked.Add(ref unchanged, result.Unchanged);
        }

        consumer.Commit(batch);
        Interlocked.Add(ref records, batch.Count);
        Interlocked.Increment(ref batches);
        return batch.Count;
    }

    public void Dispose() => consumer.Dispose();

    private string? Problem(KafkaRecord<string, StreamedKline> record)
    {
        if (!record.IsValid)
        {
            return record.FormatError;
        }

        var kline = record.Value!;
        if (kline.Interval != interval)
        {
            return $"interval {kline.Interval.Code} on the {interval.Code} topic";
        }

        if (record.Key != kline.Symbol)
        {
            return $"key '{record.Key}' differs from the kline's symbol '{kline.Symbol}'";
        }

        return null;
    }

    private async Task DeadLetterAsync(KafkaRecord<string, StreamedKline> record, string reason, CancellationToken cancellationToken)
    {
        var letter = new KlineDeadLetter(
            $"{record.Topic}/{record.Partition}@{record.Offset}",
            reason,
            System.Text.Encoding.UTF8.GetString(record.RawValue),
            DateTimeOffset.UtcNow,
            record.Key);
        await deadLetters.ProduceAsync(PlatformTopics.KlineDeadLetters, letter.Symbol ?? letter.Source, letter, cancellationToken).ConfigureAwait(false);
        Interlocked.Increment(ref deadLettered);
        Activity.Current?.AddEvent(new ActivityEvent("dead-lettered", tags: new ActivityTagsCollection { ["reason"] = reason }));
    }
}
