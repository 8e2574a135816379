namespace Platform.Domain.Features;

/// <summary>
/// The one computation of every <see cref="FeatureKind"/>: one row at a time, from each input symbol's as-of
/// <see cref="SymbolBar"/> and a small state per symbol (the previous close and the trailing <see cref="FeatureSpec.Lookback"/>
/// volumes and trade counts). <see cref="FeatureBuilder.Build"/> is this step over a frame's rows; a stream calls it
/// once per closed bar of the traded symbol. A value is 0 (neutral) where it is not yet defined, so warm-up rows carry
/// no made-up signal.
/// </summary>
public sealed class IncrementalFeatures
{
    private readonly FeatureSpec spec;
    private readonly SymbolState[] symbols;

    public IncrementalFeatures(FeatureSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        spec.Validate();
        this.spec = spec;
        symbols = [.. spec.Inputs.Select(_ => new SymbolState(spec.Lookback))];
    }

    public FeatureSpec Spec => spec;

    /// <summary>Rows computed so far.</summary>
    public int Rows { get; private set; }

    /// <summary>
    /// First row whose own features are all defined (warm-up done for every symbol), counting a symbol never seen as
    /// available only after the last row so far.
    /// </summary>
    public int FirstCompleteRow
    {
        get
        {
            var first = 0;
            for (var s = 0; s < symbols.Length; s++)
            {
                var available = symbols[s].FirstAvailableRow ?? Rows;
                foreach (var kind in spec.Inputs[s].Features)
                {
                    first = Math.Max(first, available + spec.WarmUp(kind));
                }
            }

            return Math.Min(first, Rows);
        }
    }

    /// <summary>Computes the next row: <paramref name="bars"/> in the spec's input order, features into <paramref name="destination"/>.</summary>
    public void Step(ReadOnlySpan<SymbolBar> bars, Span<float> destination)
    {
        if (bars.Length != symbols.Length)
        {
            throw new ArgumentException($"Spec '{spec.Name}' reads {symbols.Length} symbols; got {bars.Length} bars.", nameof(bars));
        }

        if (destination.Length != spec.FeatureCount)
        {
            throw new ArgumentException($"Spec '{spec.Name}' has {spec.FeatureCount} features; got room for {destination.Length}.", nameof(destination));
        }

        var column = 0;
        for (var s = 0; s < symbols.Length; s++)
        {
            var state = symbols[s];
            var bar = bars[s];
            state.Push(bar, Rows);
            foreach (var kind in spec.Inputs[s].Features)
            {
                destination[column++] = (float)state.Compute(kind, bar);
            }
        }

        Rows++;
    }

    /// <summary>One symbol's trailing state. Rows before the symbol's first kline leave it untouched.</summary>
    private sealed class SymbolState(int lookback)
    {
        private readonly double[] volumes = new double[lookback];
        private readonly double[] tradeCounts = new double[lookback];
        private double previousClose = double.NaN;
        private double currentClose = double.NaN;
        private int seen;

        public int? FirstAvailableRow { get; private set; }

        public void Push(SymbolBar bar, int row)
        {
            if (!bar.Available)
            {
                return;
            }

            FirstAvailableRow ??= row;
            previousClose = currentClose;
            currentClose = bar.Close;
            volumes[seen % lookback] = bar.Volume;
            tradeCounts[seen % lookback] = bar.TradeCount;
            seen++;
        }

        public double Compute(FeatureKind kind, SymbolBar bar)
        {
            if (!bar.Available)
            {
                return 0d;
            }

            switch (kind)
            {
                case FeatureKind.LogReturn:
                    return seen == 1 ? 0d : Math.Log(currentClose / previousClose);
                case FeatureKind.LogRange:
                    return Math.Log(bar.High / bar.Low);
                case FeatureKind.LogVolumeRatio:
                    return LogRatioToTrailingMean(volumes);
                case FeatureKind.LogTradeCountRatio:
                    return LogRatioToTrailingMean(tradeCounts);
                case FeatureKind.TakerBuyImbalance:
                    var v = bar.Volume;
                    var tb = bar.TakerBuyVolume;
                    return v > 0 && !double.IsNaN(tb) ? (tb / v) - 0.5 : 0d;
                default:
                    throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown feature kind.");
            }
        }

        /// <summary>ln((x_t / mean of the defined values in the trailing window + 0.01) / 1.01), summed oldest first.</summary>
        private double LogRatioToTrailingMean(double[] ring)
        {
            var count = Math.Min(seen, lookback);
            double sum = 0;
            var n = 0;
            for (var k = seen - count; k < seen; k++)
            {
                var value = ring[k % lookback];
                if (!double.IsNaN(value))
                {
                    sum += value;
                    n++;
                }
            }

            var current = ring[(seen - 1) % lookback];
            if (n == 0 || double.IsNaN(current))
            {
                return 0d;
            }

            var mean = sum / n;
            var ratio = mean > 0 ? current / mean : 1d;
            return Math.Log((ratio + 0.01) / 1.01);
        }
    }
}
