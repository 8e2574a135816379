namespace Platform.Domain.Features;

/// <summary>Computes a <see cref="FeatureSpec"/> over a <see cref="MarketFrame"/>, using only past and present values.</summary>
public static class FeatureBuilder
{
    /// <summary>The batch form of <see cref="IncrementalFeatures"/>: its step over every row of the frame.</summary>
    public static FeatureMatrix Build(FeatureSpec spec, MarketFrame frame)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(frame);
        spec.Validate();
        var columns = spec.Inputs.Select(input => frame[input.Symbol]).ToArray();
        for (var s = 0; s < columns.Length; s++)
        {
            foreach (var kind in spec.Inputs[s].Features)
            {
                RequireField(columns[s].Symbol, columns[s].HasTradeCount, columns[s].HasTakerBuyVolume, kind);
            }
        }

        var rows = frame.Length;
        var width = spec.FeatureCount;
        var values = new float[rows * width];
        var features = new IncrementalFeatures(spec);
        var bars = new SymbolBar[columns.Length];
        for (var t = 0; t < rows; t++)
        {
            for (var s = 0; s < columns.Length; s++)
            {
                bars[s] = columns[s].Bar(t);
            }

            features.Step(bars, values.AsSpan(t * width, width));
        }

        return new FeatureMatrix(spec, values, rows, features.FirstCompleteRow);
    }

    /// <summary>Throws when <paramref name="kind"/> needs a field the symbol's data does not have.</summary>
    private static void RequireField(string symbol, bool hasTradeCount, bool hasTakerBuyVolume, FeatureKind kind)
    {
        if (kind == FeatureKind.LogTradeCountRatio && !hasTradeCount)
        {
            throw new ArgumentException($"Feature {kind} needs the number of trades, which the {symbol} data does not have.");
        }

        if (kind == FeatureKind.TakerBuyImbalance && !hasTakerBuyVolume)
        {
            throw new ArgumentException($"Feature {kind} needs taker-buy volume, which the {symbol} data does not have.");
        }
    }
}
