namespace Platform.Domain.Features;

/// <summary>Computes a <see cref="FeatureSpec"/> over a <see cref="MarketFrame"/>, using only past and present values.</summary>
public static class FeatureBuilder
{
    public static FeatureMatrix Build(FeatureSpec spec, MarketFrame frame)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(frame);
        spec.Validate();
        var rows = frame.Length;
        var width = spec.FeatureCount;
        var values = new float[rows * width];
        var firstComplete = 0;
        var column = 0;
        foreach (var input in spec.Inputs)
        {
            var c = frame[input.Symbol];
            foreach (var kind in input.Features)
            {
                RequireField(c, kind);
                var warmUp = kind switch
                {
                    FeatureKind.LogReturn => 1,
                    FeatureKind.LogVolumeRatio or FeatureKind.LogTradeCountRatio => spec.Lookback - 1,
                    _ => 0,
                };
                firstComplete = Math.Max(firstComplete, c.FirstAvailable + warmUp);
                for (var t = 0; t < rows; t++)
                {
                    values[(t * width) + column] = (float)Compute(kind, c, t, spec.Lookback);
                }

                column++;
            }
        }

        return new FeatureMatrix(spec, values, rows, Math.Min(firstComplete, rows));
    }

    private static void RequireField(SymbolColumns c, FeatureKind kind)
    {
        if (kind == FeatureKind.LogTradeCountRatio && !c.HasTradeCount)
        {
            throw new InvalidRequestException($"Feature {kind} needs the number of trades, which the {c.Symbol} data does not have.");
        }

        if (kind == FeatureKind.TakerBuyImbalance && !c.HasTakerBuyVolume)
        {
            throw new InvalidRequestException($"Feature {kind} needs taker-buy volume, which the {c.Symbol} data does not have.");
        }
    }

    /// <summary>One value; 0 (neutral) where it is not yet defined, so warm-up rows carry no made-up signal.</summary>
    private static double Compute(FeatureKind kind, SymbolColumns c, int t, int lookback)
    {
        if (t < c.FirstAvailable)
        {
            return 0d;
        }

        switch (kind)
        {
            case FeatureKind.LogReturn:
                return t == c.FirstAvailable ? 0d : Math.Log(c.Close[t] / c.Close[t - 1]);
            case FeatureKind.LogRange:
                return Math.Log(c.High[t] / c.Low[t]);
            case FeatureKind.LogVolumeRatio:
                return LogRatioToTrailingMean(c.Volume, t, lookback, c.FirstAvailable);
            case FeatureKind.LogTradeCountRatio:
                return LogRatioToTrailingMean(c.TradeCount, t, lookback, c.FirstAvailable);
            case FeatureKind.TakerBuyImbalance:
                var v = c.Volume[t];
                var tb = c.TakerBuyVolume[t];
                return v > 0 && !double.IsNaN(tb) ? (tb / v) - 0.5 : 0d;
            default:
                throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown feature kind.");
        }
    }

    private static double LogRatioToTrailingMean(double[] series, int t, int lookback, int firstAvailable)
    {
        var start = Math.Max(firstAvailable, t - lookback + 1);
        double sum = 0;
        var n = 0;
        for (var i = start; i <= t; i++)
        {
            if (!double.IsNaN(series[i]))
            {
                sum += series[i];
                n++;
            }
        }

        var current = series[t];
        if (n == 0 || double.IsNaN(current))
        {
            return 0d;
        }

        var mean = sum / n;
        var ratio = mean > 0 ? current / mean : 1d;
        return Math.Log((ratio + 0.01) / 1.01);
    }
}
