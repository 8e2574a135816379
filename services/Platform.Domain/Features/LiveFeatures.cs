using Platform.Domain.MarketData;

namespace Platform.Domain.Features;

/// <summary>
/// Features computed live, kline by kline: every symbol's klines go through its <see cref="AsOfCursor"/> (the same
/// as-of rule as <see cref="MarketFrame"/>), and each closed kline of the traded symbol yields one row from the same
/// <see cref="IncrementalFeatures"/> step the batch uses — so a stream replayed over a series produces the batch matrix
/// bit for bit. Each symbol's klines arrive in open-time order, and those of other symbols up to time T before the
/// traded kline of T (a later one first is an error: the row at T must not see it). A field missing from a kline
/// (trades, taker-buy volume) counts as undefined, as in the batch.
/// </summary>
public sealed class LiveFeatures
{
    private readonly IncrementalFeatures features;
    private readonly Dictionary<string, AsOfCursor> cursors;
    private readonly AsOfCursor[] inputs;
    private readonly SymbolBar[] bars;

    public LiveFeatures(FeatureSpec spec, string tradedSymbol)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentException.ThrowIfNullOrWhiteSpace(tradedSymbol);
        features = new IncrementalFeatures(spec);
        TradedSymbol = tradedSymbol;
        cursors = MarketContext.SymbolsFor(spec, tradedSymbol).ToDictionary(s => s, _ => new AsOfCursor(), StringComparer.Ordinal);
        inputs = [.. spec.Inputs.Select(i => cursors[i.Symbol])];
        bars = new SymbolBar[inputs.Length];
    }

    public FeatureSpec Spec => features.Spec;

    public string TradedSymbol { get; }

    /// <summary>Rows emitted so far.</summary>
    public int Rows => features.Rows;

    /// <summary>See <see cref="IncrementalFeatures.FirstCompleteRow"/>.</summary>
    public int FirstCompleteRow => features.FirstCompleteRow;

    /// <summary>
    /// Takes a closed kline of any spec symbol. For the traded symbol it computes the row at that kline's open time into
    /// <paramref name="row"/> and returns true; for others it only updates the as-of state. Duplicates and klines older
    /// than the symbol's latest are ignored (false); symbols the spec does not read are ignored too.
    /// </summary>
    public bool Add(string symbol, in Kline kline, Span<float> row)
    {
        ArgumentNullException.ThrowIfNull(symbol);
        if (!cursors.TryGetValue(symbol, out var cursor) || !cursor.Offer(kline))
        {
            return false;
        }

        if (symbol != TradedSymbol)
        {
            return false;
        }

        var time = kline.OpenTime.ToUnixTimeMilliseconds();
        for (var s = 0; s < inputs.Length; s++)
        {
            bars[s] = inputs[s].At(time);
        }

        features.Step(bars, row);
        return true;
    }
}
