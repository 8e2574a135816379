using Platform.Domain.MarketData;

namespace Platform.Domain.Features;

/// <summary>One feature row computed live: the traded symbol's closed kline, its row number and the spec's raw values.</summary>
public sealed record LiveFeatureRow(DateTimeOffset OpenTime, Kline TradedKline, int Row, float[] Values, bool Complete)
{
    /// <summary>The kline of each symbol the row was computed with (<see cref="AlignedLiveFeatures.KlineId"/>): its lineage.</summary>
    public IReadOnlyList<string> KlineIds { get; init; } = [];
}

/// <summary>
/// Closed klines of every spec symbol, in whatever order a live stream delivers them, turned into the batch's feature rows
/// (through <see cref="LiveFeatures"/>). The row at T is computed once every other spec symbol has delivered its kline of T
/// — or moved past T (it has none: the as-of rule repeats its last one, as the batch does) — or when the caller releases
/// it (<see cref="Flush"/>: a grace period ran out, or the stream ended). Klines of other symbols arriving for a time
/// whose row was already computed are late: counted, used for later rows, never re-emitted. Duplicates and stale klines
/// are ignored. Each symbol's klines may arrive out of order; they are applied in open-time order.
/// </summary>
public sealed class AlignedLiveFeatures
{
    private readonly LiveFeatures features;
    private readonly Dictionary<string, SymbolQueue> queues;
    private readonly SymbolQueue traded;
    private readonly SymbolQueue[] others;
    private long? lastRowMs;

    public AlignedLiveFeatures(FeatureSpec spec, string tradedSymbol)
    {
        features = new LiveFeatures(spec, tradedSymbol);
        queues = MarketContext.SymbolsFor(spec, tradedSymbol).ToDictionary(s => s, s => new SymbolQueue(s), StringComparer.Ordinal);
        traded = queues[tradedSymbol];
        others = [.. queues.Values.Where(q => !ReferenceEquals(q, traded))];
    }

    public FeatureSpec Spec => features.Spec;

    public string TradedSymbol => features.TradedSymbol;

    /// <summary>Every symbol the rows read (the spec's and the traded one).</summary>
    public IReadOnlyCollection<string> Symbols => queues.Keys;

    /// <summary>Rows computed so far.</summary>
    public int Rows => features.Rows;

    /// <summary>Klines of other symbols that came after their row was computed.</summary>
    public long LateKlines { get; private set; }

    /// <summary>Klines offered again, or older than one already applied for their symbol.</summary>
    public long IgnoredKlines { get; private set; }

    /// <summary>The open time of the oldest traded kline waiting for other symbols (null: none waits).</summary>
    public DateTimeOffset? Waiting => traded.Pending.Count > 0 ? DateTimeOffset.FromUnixTimeMilliseconds(traded.Pending.Keys[0]) : null;

    /// <summary>The newest open time received for <paramref name="symbol"/> (applied or waiting), null before any.</summary>
    public DateTimeOffset? LatestReceived(string symbol) =>
        queues.TryGetValue(symbol, out var queue) && queue.LatestMs is { } ms ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : null;

    /// <summary>Takes a closed kline of <paramref name="symbol"/> and returns the rows it completed (oldest first).</summary>
    public IReadOnlyList<LiveFeatureRow> Offer(string symbol, in Kline kline)
    {
        ArgumentNullException.ThrowIfNull(symbol);
        if (!queues.TryGetValue(symbol, out var queue))
        {
            return [];
        }

        var ms = kline.OpenTime.ToUnixTimeMilliseconds();
        if ((queue.AppliedMs is { } applied && ms <= applied) || !queue.Pending.TryAdd(ms, kline))
        {
            IgnoredKlines++;
            return [];
        }

        queue.LatestMs = Math.Max(queue.LatestMs ?? long.MinValue, ms);
        if (!ReferenceEquals(queue, traded) && ms <= lastRowMs)
        {
            LateKlines++;
        }

        return Drain(force: false);
    }

    /// <summary>
    /// History a live computation starts from before its first row, so that row equals the batch's: twice the spec's
    /// warm-up (an other symbol's hours may be missing) plus two days.
    /// </summary>
    public static TimeSpan HistoryNeeded(FeatureSpec spec, KlineInterval interval)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return interval.Length * ((2 * Math.Max(1, spec.WarmUpRows)) + 48);
    }

    /// <summary>A kline's identity in lineage records: symbol and open time in Unix milliseconds.</summary>
    public static string KlineId(string symbol, long openTimeMs) => $"{symbol}@{openTimeMs}";

    /// <summary>Computes every waiting traded row now, with what the other symbols have delivered so far.</summary>
    public IReadOnlyList<LiveFeatureRow> Flush() => Drain(force: true);

    private List<LiveFeatureRow> Drain(bool force)
    {
        var rows = new List<LiveFeatureRow>();
        while (traded.Pending.Count > 0)
        {
            var time = traded.Pending.Keys[0];
            foreach (var other in others)
            {
                while (other.Pending.Count > 0 && other.Pending.Keys[0] <= time)
                {
                    Apply(other, other.Pending.Values[0]);
                }
            }

            if (!force && !others.All(o => o.AppliedMs >= time || o.Pending.Count > 0))
            {
                break;
            }

            var kline = traded.Pending.Values[0];
            var values = new float[features.Spec.FeatureCount];
            if (!features.Add(traded.Symbol, kline, values))
            {
                throw new InvalidOperationException($"The {traded.Symbol} kline of {kline.OpenTime:yyyy-MM-dd HH:mm} did not make a row.");
            }

            traded.Pending.RemoveAt(0);
            traded.AppliedMs = time;
            lastRowMs = time;
            var row = features.Rows - 1;
            rows.Add(new LiveFeatureRow(kline.OpenTime, kline, row, values, features.FirstCompleteRow <= row)
            {
                KlineIds = [.. queues.Values.Where(q => q.AppliedMs is not null).Select(q => KlineId(q.Symbol, q.AppliedMs!.Value))],
            });
        }

        return rows;
    }

    private void Apply(SymbolQueue queue, Kline kline)
    {
        features.Add(queue.Symbol, kline, []);
        queue.Pending.RemoveAt(0);
        queue.AppliedMs = kline.OpenTime.ToUnixTimeMilliseconds();
    }

    private sealed class SymbolQueue(string symbol)
    {
        public string Symbol { get; } = symbol;

        public SortedList<long, Kline> Pending { get; } = [];

        public long? AppliedMs { get; set; }

        public long? LatestMs { get; set; }
    }
}
