namespace Platform.Domain.Features;

/// <summary>
/// Z-score statistics per feature, fitted on the training rows only and saved with every model that uses them, so
/// validation, trading and live inference see the inputs exactly as training did.
/// </summary>
public sealed record NormalizationStats(IReadOnlyList<double> Mean, IReadOnlyList<double> StdDev, double Clip = 10d)
{
    /// <summary>Fits on rows [<paramref name="fromRow"/>, <paramref name="toRow"/>) of <paramref name="matrix"/>.</summary>
    public static NormalizationStats Fit(FeatureMatrix matrix, int fromRow, int toRow)
    {
        ArgumentNullException.ThrowIfNull(matrix);
        fromRow = Math.Max(fromRow, matrix.FirstCompleteRow);
        if (toRow - fromRow < 2)
        {
            throw new InvalidRequestException($"Need at least two complete rows to fit normalisation, have {Math.Max(0, toRow - fromRow)}.");
        }

        var f = matrix.FeatureCount;
        var mean = new double[f];
        var m2 = new double[f];
        var n = 0;
        for (var r = fromRow; r < toRow; r++)
        {
            n++;
            var row = matrix.Row(r);
            for (var j = 0; j < f; j++)
            {
                // Welford: stable in one pass.
                var delta = row[j] - mean[j];
                mean[j] += delta / n;
                m2[j] += delta * (row[j] - mean[j]);
            }
        }

        var std = m2.Select(v => Math.Sqrt(v / (n - 1))).Select(s => s > 1e-12 ? s : 1d).ToArray();
        return new NormalizationStats(mean, std);
    }

    /// <summary>A new matrix with every value standardised and clipped to ±<see cref="Clip"/>.</summary>
    public FeatureMatrix Apply(FeatureMatrix matrix)
    {
        ArgumentNullException.ThrowIfNull(matrix);
        var f = matrix.FeatureCount;
        if (Mean.Count != f || StdDev.Count != f)
        {
            throw new ArgumentException($"Normalisation has {Mean.Count} features, the matrix {f}.");
        }

        var normalizer = CreateRowNormalizer();
        var values = new float[matrix.Values.Length];
        for (var r = 0; r < matrix.Rows; r++)
        {
            normalizer.Apply(matrix.Row(r), values.AsSpan(r * f, f));
        }

        return new FeatureMatrix(matrix.Spec, values, matrix.Rows, matrix.FirstCompleteRow);
    }

    /// <summary>The computation <see cref="Apply"/> runs on every row, for rows that arrive one at a time.</summary>
    public RowNormalizer CreateRowNormalizer() => new(this);
}

/// <summary>Standardises and clips one feature row with fixed <see cref="NormalizationStats"/> (the one row computation).</summary>
public sealed class RowNormalizer
{
    private readonly double[] mean;
    private readonly double[] stdDev;
    private readonly double clip;

    internal RowNormalizer(NormalizationStats stats)
    {
        if (stats.Mean.Count != stats.StdDev.Count)
        {
            throw new ArgumentException($"Normalisation has {stats.Mean.Count} means but {stats.StdDev.Count} deviations.");
        }

        mean = [.. stats.Mean];
        stdDev = [.. stats.StdDev];
        clip = stats.Clip;
    }

    public int FeatureCount => mean.Length;

    public void Apply(ReadOnlySpan<float> raw, Span<float> destination)
    {
        if (raw.Length != mean.Length || destination.Length != mean.Length)
        {
            throw new ArgumentException($"Normalisation has {mean.Length} features; got a row of {raw.Length} and room for {destination.Length}.");
        }

        for (var j = 0; j < raw.Length; j++)
        {
            destination[j] = (float)Math.Clamp((raw[j] - mean[j]) / stdDev[j], -clip, clip);
        }
    }
}
