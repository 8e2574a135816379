using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Platform.Domain;
using Platform.Domain.Features;
using Platform.Domain.MarketData;
using Platform.Kafka;

namespace Platform.LiveTrading;

/// <summary>What a feature service computes and from when.</summary>
public sealed record FeatureServiceOptions
{
    public required FeatureSpec Spec { get; init; }

    /// <summary>The traded symbol whose closed hours make the rows.</summary>
    public required string Symbol { get; init; }

    /// <summary>
    /// The consumer group on <c>market.klines.&lt;interval&gt;</c>. One member computes a (spec, symbol): a second member
    /// of the same group would see only some symbols' partitions, so each computation has its own group.
    /// </summary>
    public string GroupId { get; init; } = KafkaFeatureService.DefaultGroupId;

    /// <summary>
    /// On the first start (nothing published for the symbol yet), the first row to publish; the market store's history
    /// before it warms the windows. Null: publish from the first kline consumed, warming nothing.
    /// </summary>
    public DateTimeOffset? EmitFrom { get; init; }

    public KlineInterval Interval { get; init; } = KlineInterval.OneHour;

    /// <summary>Longest a closed traded bar waits for the other symbols' klines of its hour before its row is computed without them.</summary>
    public TimeSpan RowGrace { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>The consumer group of the market store's writer, whose committed positions say what the store holds.</summary>
    public string StoreWriterGroupId { get; init; } = MarketStoreWriter.GroupId;

    /// <summary>At a restart, longest to wait for the market store's writer to have stored every kline this service consumed.</summary>
    public TimeSpan StoreCatchUp { get; init; } = TimeSpan.FromSeconds(60);

    public void Validate()
    {
        if (Spec is null || string.IsNullOrWhiteSpace(Symbol))
        {
            throw new InvalidRequestException("A feature service needs a feature spec and a traded symbol.");
        }

        if (string.IsNullOrWhiteSpace(GroupId))
        {
            throw new InvalidRequestException("The feature service's consumer group id is empty.");
        }

        if (RowGrace <= TimeSpan.Zero || StoreCatchUp <= TimeSpan.Zero)
        {
            throw new InvalidRequestException("The feature service's row grace and store catch-up must be positive.");
        }
    }
}

/// <summary>Running totals of a <see cref="KafkaFeatureService"/>.</summary>
public sealed record FeatureServiceStats(long Klines, long Rows, long WarmedKlines, long LateKlines, long IgnoredKlines, long InvalidRecords, DateTimeOffset? LastRow);

/// <summary>
/// The streaming feature job: consumes <c>market.klines.&lt;interval&gt;</c> and, when the traded symbol's hour closes, publishes
/// the aligned row to <c>features.&lt;spec&gt;.v&lt;version&gt;</c> — computed by <see cref="AlignedLiveFeatures"/>, the batch's
/// code. Rows and the consumed offsets are committed in one Kafka transaction (read-process-write), so a restart neither
/// skips nor doubles a row: at start the service finds the last row it published, waits until the market store holds
/// every kline it consumed, and rebuilds its windows from the store. Late klines of other symbols are counted and
/// logged, never re-published; duplicates are ignored; records that do not match the schema are skipped (the store
/// writer dead-letters them).
/// </summary>
public sealed class KafkaFeatureService : IDisposable
{
    public const string DefaultGroupId = "features";

    private static readonly ActivitySource Source = new("Platform.LiveTrading.Features");
    private static readonly Meter Meter = new("Platform.LiveTrading.Features");
    private static readonly Counter<long> RowsCounter = Meter.CreateCounter<long>("platform.features.rows", "{row}");
    private static readonly Counter<long> LateCounter = Meter.CreateCounter<long>("platform.features.late_klines", "{kline}");

    private readonly KafkaCluster cluster;
    private readonly KafkaConnection connection;
    private readonly IMarketDataStore store;
    private readonly FeatureServiceOptions options;
    private readonly ILogger logger;
    private readonly KafkaTopic<string, StreamedKline> input;
    private readonly AlignedLiveFeatures features;
    private readonly Dictionary<DateTimeOffset, string?> rowTraces = [];
    private KafkaTopicConsumer<string, StreamedKline>? consumer;
    private KafkaProducer? producer;
    private DateTimeOffset? lastPublished;
    private DateTimeOffset? waitingSince;
    private bool faulted;
    private long klines, rows, warmed, invalid, late;

    public KafkaFeatureService(KafkaCluster cluster, IMarketDataStore store, FeatureServiceOptions options, ILogger<KafkaFeatureService>? logger = null)
    {
        this.cluster = cluster ?? throw new ArgumentNullException(nameof(cluster));
        connection = cluster.Connection;
        this.store = store ?? throw new ArgumentNullException(nameof(store));
        this.options = options ?? throw new ArgumentNullException(nameof(options));
        options.Validate();
        this.logger = logger ?? NullLogger<KafkaFeatureService>.Instance;
        input = options.Interval == KlineInterval.OneHour ? PlatformTopics.KlinesOneHour : PlatformTopics.Klines(options.Interval);
        Output = PlatformTopics.Features(options.Spec);
        features = new AlignedLiveFeatures(options.Spec, options.Symbol);
    }

    /// <summary>The topic the rows go to.</summary>
    public KafkaTopic<string, StreamedFeatureRow> Output { get; }

    public FeatureServiceStats Stats => new(
        Interlocked.Read(ref klines), Interlocked.Read(ref rows), Interlocked.Read(ref warmed), Interlocked.Read(ref late),
        features.IgnoredKlines, Interlocked.Read(ref invalid), lastPublished);

    /// <summary>Starts (once) and publishes rows until cancelled. Blocking consumer calls run on the calling thread: start it on its own.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        await StartAsync(cancellationToken).ConfigureAwait(false);
        await ServiceLoop.RunAsync(ProcessBatchAsync, () => false, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Creates the output topic, finds where the last run stopped and rebuilds the windows from the market store.</summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        if (consumer is not null)
        {
            return;
        }

        await cluster.EnsureTopicsAsync([Output.Definition]).ConfigureAwait(false);
        lastPublished = FeatureTopicHistory.RowsOf(connection, Output, options.Symbol, 1) is [.., var last] ? last.Value?.OpenTime : null;
        var consumed = KafkaTopicReader.CommittedOffsets(connection, input.Name, options.GroupId);
        if (consumed.Values.Any(o => o >= 0))
        {
            await WaitForStoreAsync(consumed, cancellationToken).ConfigureAwait(false);
        }

        var id = $"features-{Output.Name}-{options.Symbol}";
        producer = new KafkaProducer(connection, id, transactionalId: id, linger: TimeSpan.Zero);
        var first = lastPublished + options.Interval.Length ?? options.EmitFrom;
        if (first is { } from)
        {
            await WarmAsync(from - AlignedLiveFeatures.HistoryNeeded(options.Spec, options.Interval), cancellationToken).ConfigureAwait(false);
        }

        consumer = new KafkaTopicConsumer<string, StreamedKline>(connection, input, options.GroupId, id);
        FeatureServiceLog.Started(logger, Output.Name, options.Symbol, options.GroupId, lastPublished, Interlocked.Read(ref warmed));
    }

    /// <summary>Consumes one batch (waiting up to <paramref name="wait"/>) and publishes the rows it completes with the batch's offsets. Returns the rows published.</summary>
    public async Task<int> ProcessBatchAsync(TimeSpan wait, CancellationToken cancellationToken = default)
    {
        if (consumer is null || producer is null)
        {
            throw new InvalidOperationException("StartAsync first.");
        }

        if (faulted)
        {
            throw new InvalidOperationException("A batch of this feature service failed: its windows hold klines whose rows were not published; start a new instance (it rebuilds from the market store).");
        }

        var batch = consumer.ConsumeBatch(5_000, wait, cancellationToken);
        try
        {
            return await ProcessAsync(batch, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            faulted = true;
            throw;
        }
    }

    private async Task<int> ProcessAsync(IReadOnlyList<KafkaRecord<string, StreamedKline>> batch, CancellationToken cancellationToken)
    {
        var completed = new List<LiveFeatureRow>();
        var lateBefore = features.LateKlines;
        foreach (var record in batch)
        {
            if (!record.IsValid || record.Value is not { IsClosed: true } kline || kline.Interval != options.Interval)
            {
                if (!record.IsValid)
                {
                    Interlocked.Increment(ref invalid);
                }

                continue;
            }

            Interlocked.Increment(ref klines);
            foreach (var row in features.Offer(kline.Symbol, kline.Kline))
            {
                // The row continues the trace of the kline that completed it.
                rowTraces[row.OpenTime] = record.TraceParent;
                completed.Add(row);
            }
        }

        if (features.LateKlines > lateBefore)
        {
            var count = features.LateKlines - lateBefore;
            Interlocked.Add(ref late, count);
            LateCounter.Add(count);
            FeatureServiceLog.Late(logger, count, Output.Name);
        }

        // A traded bar waits for the other symbols' klines of its hour, but not for ever.
        waitingSince = features.Waiting is null ? null : waitingSince ?? DateTimeOffset.UtcNow;
        if (waitingSince is { } since && DateTimeOffset.UtcNow - since > options.RowGrace)
        {
            completed.AddRange(features.Flush());
            waitingSince = null;
        }

        var toPublish = completed.Where(Publishable).ToList();
        foreach (var skipped in completed.Where(r => !Publishable(r)))
        {
            rowTraces.Remove(skipped.OpenTime);
        }

        if (batch.Count == 0 && toPublish.Count == 0)
        {
            return 0;
        }

        await PublishAsync(toPublish, consumer!.PositionsAfter(batch), cancellationToken).ConfigureAwait(false);
        return toPublish.Count;
    }

    public void Dispose()
    {
        consumer?.Dispose();
        producer?.Dispose();
    }

    private bool Publishable(LiveFeatureRow row) =>
        (lastPublished is null || row.OpenTime > lastPublished) && (options.EmitFrom is null || row.OpenTime >= options.EmitFrom);

    private async Task PublishAsync(List<LiveFeatureRow> completed, IReadOnlyList<Confluent.Kafka.TopicPartitionOffset> positions, CancellationToken cancellationToken)
    {
        producer!.BeginTransaction();
        try
        {
            var deliveries = new List<Task<KafkaDelivery>>(completed.Count);
            foreach (var row in completed)
            {
                rowTraces.Remove(row.OpenTime, out var traceParent);
                using var activity = Source.StartActivity("features.row", ActivityKind.Consumer, KafkaTraceHeaders.Parent(traceParent));
                activity?.SetTag("spec", Output.Name);
                activity?.SetTag("open_time", row.OpenTime.ToString("u", System.Globalization.CultureInfo.InvariantCulture));
                var streamed = StreamedFeatureRow.From(row, options.Spec, options.Symbol, DateTimeOffset.UtcNow, activity?.Id);
                deliveries.Add(producer.ProduceAsync(Output, options.Symbol, streamed, cancellationToken));
            }

            await Task.WhenAll(deliveries).ConfigureAwait(false);
            if (positions.Count > 0)
            {
                producer.CommitTransaction(positions, consumer!.GroupMetadata);
            }
            else
            {
                producer.CommitTransaction();
            }
        }
        catch
        {
            // Nothing of the batch becomes visible and its offsets stay uncommitted: a restart redoes it from the store.
            TryAbort();
            throw;
        }

        if (completed.Count > 0)
        {
            lastPublished = completed[^1].OpenTime;
            Interlocked.Add(ref rows, completed.Count);
            RowsCounter.Add(completed.Count, new KeyValuePair<string, object?>("topic", Output.Name));
        }
    }

    private void TryAbort()
    {
        try
        {
            producer!.AbortTransaction();
        }
        catch (Confluent.Kafka.KafkaException e)
        {
            FeatureServiceLog.AbortFailed(logger, e.Message);
        }
    }

    /// <summary>The store's writer commits after writing, so its positions at or past ours mean every kline we consumed is stored.</summary>
    private async Task WaitForStoreAsync(IReadOnlyDictionary<int, long> consumed, CancellationToken cancellationToken)
    {
        var deadline = DateTimeOffset.UtcNow + options.StoreCatchUp;
        while (true)
        {
            var stored = KafkaTopicReader.CommittedOffsets(connection, input.Name, options.StoreWriterGroupId);
            var behind = consumed.Where(c => c.Value >= 0 && (!stored.TryGetValue(c.Key, out var s) || s < c.Value)).ToList();
            if (behind.Count == 0)
            {
                return;
            }

            if (DateTimeOffset.UtcNow > deadline)
            {
                throw new InvalidOperationException(
                    $"The market store's writer ({options.StoreWriterGroupId}) is behind this feature service on {input.Name} "
                    + $"(partitions {string.Join(", ", behind.Select(b => b.Key))}) after {options.StoreCatchUp.TotalSeconds:0} s: the windows cannot be rebuilt without those klines.");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(200), cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task WarmAsync(DateTimeOffset from, CancellationToken cancellationToken)
    {
        var history = new List<(string Symbol, Kline Kline)>();
        foreach (var symbol in features.Symbols)
        {
            var series = await store.ReadAsync(symbol, options.Interval, from, new DateTimeOffset(9999, 1, 1, 0, 0, 0, TimeSpan.Zero), cancellationToken).ConfigureAwait(false);
            history.AddRange(series.Klines.Select(k => (symbol, k)));
        }

        // Hour by hour, every symbol's kline before the next hour's: the order a caught-up stream delivers them in.
        var completed = new List<LiveFeatureRow>();
        foreach (var (symbol, kline) in history.OrderBy(h => h.Kline.OpenTime).ThenBy(h => h.Symbol, StringComparer.Ordinal))
        {
            completed.AddRange(features.Offer(symbol, kline));
        }

        Interlocked.Add(ref warmed, history.Count);
        var missed = completed.Where(Publishable).ToList();
        if (missed.Count > 0)
        {
            // Rows whose klines were consumed (or stored) but not yet published: publish them before going on.
            await PublishAsync(missed, [], cancellationToken).ConfigureAwait(false);
        }
    }
}

/// <summary>Reads back what a feature topic holds for one traded symbol.</summary>
internal static class FeatureTopicHistory
{
    /// <summary>
    /// The last <paramref name="count"/> rows of <paramref name="symbol"/> (oldest first), only those before each
    /// partition's <paramref name="before"/> position when given; reads the topic's tail first and more only when needed.
    /// </summary>
    public static IReadOnlyList<KafkaRecord<string, StreamedFeatureRow>> RowsOf(
        KafkaConnection connection, KafkaTopic<string, StreamedFeatureRow> topic, string symbol, int count, IReadOnlyDictionary<int, long>? before = null)
    {
        long tail = (4L * count) + 64;
        while (true)
        {
            var fromStart = true;
            var records = KafkaTopicReader.ReadToEnd(connection, topic, (partition, low, high) =>
            {
                var end = before is null ? high : Math.Min(high, before.TryGetValue(partition, out var b) && b >= 0 ? b : low);
                var first = Math.Max(low, end - tail);
                fromStart &= first == low;
                return first;
            });
            var matching = records
                .Where(r => r.IsValid && r.Key == symbol && (before is null || (before.TryGetValue(r.Partition, out var b) && r.Offset < b)))
                .ToList();
            if (matching.Count >= count || fromStart)
            {
                return matching.Count > count ? matching[^count..] : matching;
            }

            tail *= 8;
        }
    }
}

internal static partial class FeatureServiceLog
{
    [LoggerMessage(1, LogLevel.Information, "Feature service {Topic} for {Symbol} (group {Group}) started: last row published {Last:u}, {Warmed} klines warmed from the store")]
    public static partial void Started(ILogger logger, string topic, string symbol, string group, DateTimeOffset? last, long warmed);

    [LoggerMessage(2, LogLevel.Warning, "{Count} late kline(s) for {Topic}: their rows were already published; they count for later rows only")]
    public static partial void Late(ILogger logger, long count, string topic);

    [LoggerMessage(3, LogLevel.Warning, "Aborting the feature transaction failed: {Reason}")]
    public static partial void AbortFailed(ILogger logger, string reason);
}
