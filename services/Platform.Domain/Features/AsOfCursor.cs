using Platform.Domain.MarketData;

namespace Platform.Domain.Features;

/// <summary>One symbol's values on one row of the traded symbol's clock; NaN where the symbol had no kline yet or lacks the field.</summary>
public readonly record struct SymbolBar(bool Available, double Close, double High, double Low, double Volume, double TradeCount, double TakerBuyVolume, long SourceOpenTimeMs)
{
    public static SymbolBar Missing { get; } = new(false, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN, long.MinValue);
}

/// <summary>
/// The as-of join of one symbol onto the traded symbol's open times, for batch and stream alike: a row at time T takes
/// the symbol's latest kline with open time ≤ T. A stale kline (from before T) repeats its prices with zero volume,
/// trades and taker-buy volume — nothing traded in a kline we do not have.
/// </summary>
public sealed class AsOfCursor
{
    private Kline latest;
    private bool any;

    /// <summary>Open time of the latest kline offered (null before the first).</summary>
    public DateTimeOffset? LatestOpenTime => any ? latest.OpenTime : null;

    /// <summary>Takes a kline that is newer than every one before; false (ignored) for a duplicate or an older one.</summary>
    public bool Offer(in Kline kline)
    {
        if (any && kline.OpenTime <= latest.OpenTime)
        {
            return false;
        }

        latest = kline;
        any = true;
        return true;
    }

    /// <summary>The symbol's values at the row opening at <paramref name="openTimeMs"/>.</summary>
    public SymbolBar At(long openTimeMs)
    {
        if (!any)
        {
            return SymbolBar.Missing;
        }

        var source = latest.OpenTime.ToUnixTimeMilliseconds();
        if (source > openTimeMs)
        {
            throw new InvalidOperationException($"The cursor holds a kline of {latest.OpenTime:yyyy-MM-dd HH:mm}, after the row at {DateTimeOffset.FromUnixTimeMilliseconds(openTimeMs):yyyy-MM-dd HH:mm}: offer klines only up to the row's time.");
        }

        var fresh = source == openTimeMs;
        return new SymbolBar(
            true,
            (double)latest.Close,
            (double)latest.High,
            (double)latest.Low,
            fresh ? (double)latest.Volume : 0d,
            latest.TradeCount is { } n ? (fresh ? n : 0d) : double.NaN,
            latest.TakerBuyBaseVolume is { } tb ? (fresh ? (double)tb : 0d) : double.NaN,
            source);
    }
}
