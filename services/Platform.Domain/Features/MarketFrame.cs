using Platform.Domain.MarketData;

namespace Platform.Domain.Features;

/// <summary>
/// Several symbols aligned on the traded symbol's open times. Other symbols are joined "as of" each open time (their
/// latest kline at or before it), so a row never contains anything published after its own time.
/// </summary>
public sealed class MarketFrame
{
    private MarketFrame(string tradedSymbol, KlineInterval interval, long[] openTimeMs, decimal[] tradedClose, SymbolColumns[] columns)
    {
        TradedSymbol = tradedSymbol;
        Interval = interval;
        OpenTimeMs = openTimeMs;
        TradedClose = tradedClose;
        Columns = columns;
    }

    public string TradedSymbol { get; }

    public KlineInterval Interval { get; }

    /// <summary>Open time of each row (Unix ms, UTC).</summary>
    public IReadOnlyList<long> OpenTimeMs { get; }

    /// <summary>Exact close prices of the traded symbol: what fills are priced from.</summary>
    public IReadOnlyList<decimal> TradedClose { get; }

    public IReadOnlyList<SymbolColumns> Columns { get; }

    public int Length => OpenTimeMs.Count;

    public SymbolColumns this[string symbol] =>
        Columns.FirstOrDefault(c => c.Symbol == symbol)
        ?? throw new InvalidRequestException($"Symbol '{symbol}' is not in the frame (have: {string.Join(", ", Columns.Select(c => c.Symbol))}).");

    public DateTimeOffset OpenTime(int index) => DateTimeOffset.FromUnixTimeMilliseconds(OpenTimeMs[index]);

    /// <summary>First row whose open time is at or after <paramref name="time"/> (Length when none).</summary>
    public int IndexAtOrAfter(DateTimeOffset time)
    {
        var ms = time.ToUnixTimeMilliseconds();
        int lo = 0, hi = Length;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (OpenTimeMs[mid] < ms)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }

        return lo;
    }

    /// <summary>Builds the frame: rows are the traded symbol's klines; <paramref name="symbols"/> are joined as of each row.</summary>
    public static MarketFrame Build(MarketDataSet data, string tradedSymbol, IEnumerable<string> symbols)
    {
        ArgumentNullException.ThrowIfNull(data);
        var traded = data[tradedSymbol];
        if (traded.Count == 0)
        {
            throw new InvalidRequestException($"{tradedSymbol} has no klines to trade on (its files are empty, header-only, or every row was rejected).");
        }

        var times = traded.Klines.Select(k => k.OpenTime.ToUnixTimeMilliseconds()).ToArray();
        var close = traded.Klines.Select(k => k.Close).ToArray();
        var wanted = symbols.Distinct().ToList();
        if (!wanted.Contains(tradedSymbol))
        {
            wanted.Insert(0, tradedSymbol);
        }

        var columns = wanted.Select(s => SymbolColumns.AsOf(data[s], times)).ToArray();
        return new MarketFrame(tradedSymbol, traded.Interval, times, close, columns);
    }
}

/// <summary>One symbol's values on the frame's rows; NaN where the symbol had no kline yet or lacks the field.</summary>
public sealed class SymbolColumns
{
    private SymbolColumns(string symbol, int length)
    {
        Symbol = symbol;
        Close = new double[length];
        High = new double[length];
        Low = new double[length];
        Volume = new double[length];
        TradeCount = new double[length];
        TakerBuyVolume = new double[length];
        SourceOpenTimeMs = new long[length];
    }

    public string Symbol { get; }

    public double[] Close { get; }

    public double[] High { get; }

    public double[] Low { get; }

    public double[] Volume { get; }

    public double[] TradeCount { get; }

    public double[] TakerBuyVolume { get; }

    /// <summary>Open time of the kline each row was taken from (equal to the row's time unless the symbol was missing then).</summary>
    public long[] SourceOpenTimeMs { get; }

    /// <summary>First row that has a kline of this symbol at or before it (Length when none).</summary>
    public int FirstAvailable { get; private set; }

    public bool HasTradeCount { get; private set; }

    public bool HasTakerBuyVolume { get; private set; }

    internal static SymbolColumns AsOf(KlineSeries series, long[] times)
    {
        var c = new SymbolColumns(series.Symbol, times.Length)
        {
            HasTradeCount = series.HasTradeCount,
            HasTakerBuyVolume = series.HasTakerBuyVolume,
            FirstAvailable = times.Length,
        };
        var klines = series.Klines;
        var j = -1;
        for (var i = 0; i < times.Length; i++)
        {
            while (j + 1 < klines.Count && klines[j + 1].OpenTime.ToUnixTimeMilliseconds() <= times[i])
            {
                j++;
            }

            if (j < 0)
            {
                c.Close[i] = c.High[i] = c.Low[i] = c.Volume[i] = c.TradeCount[i] = c.TakerBuyVolume[i] = double.NaN;
                c.SourceOpenTimeMs[i] = long.MinValue;
                continue;
            }

            c.FirstAvailable = Math.Min(c.FirstAvailable, i);
            var k = klines[j];
            var fresh = k.OpenTime.ToUnixTimeMilliseconds() == times[i];
            c.Close[i] = (double)k.Close;
            c.High[i] = (double)k.High;
            c.Low[i] = (double)k.Low;

            // A stale row repeats the last price; no volume traded in a kline we do not have.
            c.Volume[i] = fresh ? (double)k.Volume : 0d;
            c.TradeCount[i] = k.TradeCount is { } n ? (fresh ? n : 0d) : double.NaN;
            c.TakerBuyVolume[i] = k.TakerBuyBaseVolume is { } tb ? (fresh ? (double)tb : 0d) : double.NaN;
            c.SourceOpenTimeMs[i] = k.OpenTime.ToUnixTimeMilliseconds();
        }

        return c;
    }
}
